import { TRPCClientError } from '@trpc/client';

/**
 * The API's own message per field (`google.clientId` → "Too small…"), to show beside each field;
 * empty when the refusal was not about one field.
 */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof TRPCClientError)) return {};
  const issues = (error.data as { inputIssues?: Array<{ field: string; message: string }> | null })
    ?.inputIssues;
  return Object.fromEntries((issues ?? []).map((issue) => [issue.field, issue.message]));
}
