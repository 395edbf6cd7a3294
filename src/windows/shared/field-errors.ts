import { TRPCClientError } from '@trpc/client';

/**
 * The API's own message per field (`google.clientId` → "Too small…"), to show beside each field;
 * empty when the refusal was not about one field. `prefix` drops the input's wrapper from the
 * names (`set.` for `settings.update`, whose input is `{ set, unset }`).
 */
export function fieldErrors(error: unknown, prefix = ''): Record<string, string> {
  if (!(error instanceof TRPCClientError)) return {};
  const issues = (error.data as { inputIssues?: Array<{ field: string; message: string }> | null })
    ?.inputIssues;
  return Object.fromEntries(
    (issues ?? []).map((issue) => [
      issue.field.startsWith(prefix) ? issue.field.slice(prefix.length) : issue.field,
      issue.message,
    ]),
  );
}
