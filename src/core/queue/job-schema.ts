import { z } from 'zod';
import type { JobState } from './job.ts';

export const jobStateSchema = z.enum([
  'queued',
  'running',
  'retrying',
  'done',
  'failed',
  'cancelled',
]) satisfies z.ZodType<JobState>;
