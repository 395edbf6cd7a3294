import type { z } from 'zod';

/** A settings file that cannot be used. Names the file and each bad field, and says what to do. */
export class SettingsError extends Error {
  readonly file: string;
  readonly fields: string[];

  constructor(file: string, problems: string[], fields: string[] = []) {
    super(
      `Settings file ${file} cannot be used:\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nFix it (or move it aside to start from defaults); DriveUp has not changed it.',
    );
    this.name = 'SettingsError';
    this.file = file;
    this.fields = fields;
  }

  static fromZod(file: string, error: z.ZodError): SettingsError {
    const fields = error.issues.map((issue) => issue.path.join('.') || '(top level)');
    const problems = error.issues.map((issue, i) => `${fields[i]}: ${issue.message}`);
    return new SettingsError(file, problems, fields);
  }
}

/** A settings change that was refused; nothing was written. */
export class InvalidSettingsError extends Error {
  readonly fields: string[];
  /** The problems as data, with the value they were found in: each face words them. */
  readonly issues: z.core.$ZodIssue[];
  readonly input: unknown;

  constructor(error: z.ZodError, input: unknown) {
    const fields = error.issues.map((issue) => issue.path.join('.'));
    super(
      error.issues
        .map((issue, i) => (fields[i] ? `${fields[i]}: ${issue.message}` : issue.message))
        .join('; '),
    );
    this.name = 'InvalidSettingsError';
    this.fields = fields;
    this.issues = error.issues;
    this.input = input;
  }
}
