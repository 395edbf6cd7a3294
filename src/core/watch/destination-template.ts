import { folderPathProblem } from '../config/folder-path.ts';

/**
 * Destination folder templates such as `DriveUp/{machine}/{relativeDir}/{yyyy}-{mm}`. The date
 * placeholders use the file's modification time (local time), not the upload time, so a file
 * lands in the same folder however late it is uploaded and however often DriveUp restarts.
 */
const TEMPLATE_PLACEHOLDERS = ['machine', 'relativeDir', 'yyyy', 'mm', 'dd'] as const;
export type TemplatePlaceholder = (typeof TEMPLATE_PLACEHOLDERS)[number];

export const DEFAULT_DESTINATION = 'DriveUp/{machine}/{relativeDir}';

export interface TemplateValues {
  machine: string;
  /** Directory of the file relative to the watched folder, `/`-separated; `''` at the top. */
  relativeDir: string;
  date: Date;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Why a template cannot be used, or null when it can. */
export function templateProblem(template: string): string | null {
  const unknown = [...template.matchAll(PLACEHOLDER)]
    .map((match) => match[1]!)
    .filter((name) => !(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown.length) {
    return `unknown placeholder {${unknown[0]}}; use ${TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`;
  }
  const rest = template.replace(PLACEHOLDER, 'x');
  if (/[{}]/.test(rest)) return 'unbalanced { or }';
  if (segments(rest).length === 0) return 'the destination is empty';
  return folderPathProblem(rest.replace(/\\/g, '/'));
}

/** The Drive folder path for one file: empty segments (a top-level file's `{relativeDir}`) vanish. */
export function expandDestination(template: string, values: TemplateValues): string {
  const expanded = template.replace(PLACEHOLDER, (_, name: string) => valueOf(name, values));
  return segments(expanded).join('/');
}

function valueOf(name: string, values: TemplateValues): string {
  switch (name) {
    case 'machine':
      // A machine name is one folder, even when it contains a slash.
      return values.machine.replace(/[/\\]/g, '-');
    case 'relativeDir':
      return values.relativeDir;
    case 'yyyy':
      return String(values.date.getFullYear());
    case 'mm':
      return String(values.date.getMonth() + 1).padStart(2, '0');
    case 'dd':
      return String(values.date.getDate()).padStart(2, '0');
    default:
      throw new Error(`Unknown destination placeholder {${name}}`);
  }
}

function segments(path: string): string[] {
  return path.split(/[/\\]/).filter((segment) => segment.trim() !== '');
}
