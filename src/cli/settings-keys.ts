import type { z } from 'zod';
import { settingsSchema } from '../core/config/settings-schema.ts';

export interface SettingKey {
  /** As `settings get|set` take it: `uploads.concurrency`. */
  key: string;
  description: string;
  /** The values an enum setting takes. */
  choices: string[];
}

/**
 * Every settings key with its description, read from the settings schema so that help and
 * completion list what the agent actually accepts. (This loads the schema, and with it the
 * MongoDB driver it validates URIs with: import this module only where it is needed.)
 */
export function settingKeys(): SettingKey[] {
  const keys: SettingKey[] = [];
  for (const [name, field] of Object.entries(settingsSchema.shape)) {
    const section = unwrap(field);
    if (section.def.type === 'object') {
      const shape = (section as unknown as z.ZodObject).shape;
      for (const [sub, inner] of Object.entries(shape))
        keys.push(describe(`${name}.${sub}`, inner));
    } else {
      keys.push(describe(name, field));
    }
  }
  return keys;
}

function describe(key: string, schema: z.ZodType): SettingKey {
  let description: string | undefined;
  for (let s: z.ZodType | undefined = schema; s && !description; s = inner(s))
    description = s.description;
  const base = unwrap(schema);
  const choices =
    base.def.type === 'enum' ? (base as unknown as z.ZodEnum).options.map(String) : [];
  return { key, description: description ?? '', choices };
}

function inner(schema: z.ZodType): z.ZodType | undefined {
  return (schema.def as { innerType?: z.ZodType }).innerType;
}

/** Past .default(), .prefault(), .optional(), .nullable(): the schema of the value itself. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let next = inner(current); next; next = inner(current)) current = next;
  return current;
}
