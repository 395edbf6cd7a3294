import { describe, expect, it } from 'vitest';
import { expandDestination, templateProblem } from './destination-template.ts';

const date = new Date(2026, 10, 5, 23, 30); // 5 November 2026, local time

describe('destination templates', () => {
  it('expands every placeholder, dates from the given (file) time', () => {
    const path = expandDestination('Scans/{machine}/{yyyy}-{mm}/{dd}/{relativeDir}', {
      machine: 'lab-pc',
      relativeDir: 'plate 1/run-2',
      date,
    });
    expect(path).toBe('Scans/lab-pc/2026-11/05/plate 1/run-2');
  });

  it('drops the empty folder of a top-level file instead of leaving a double slash', () => {
    const values = { machine: 'lab-pc', relativeDir: '', date };
    expect(expandDestination('DriveUp/{machine}/{relativeDir}', values)).toBe('DriveUp/lab-pc');
    expect(expandDestination('{relativeDir}/in/{machine}', values)).toBe('in/lab-pc');
  });

  it('keeps a machine name with a slash as one folder', () => {
    const values = { machine: 'lab/pc', relativeDir: 'a', date };
    expect(expandDestination('{machine}/{relativeDir}', values)).toBe('lab-pc/a');
  });

  it('names what is wrong with a template', () => {
    expect(templateProblem('DriveUp/{machine}/{relativeDir}')).toBeNull();
    expect(templateProblem('DriveUp/{host}')).toMatch(/unknown placeholder \{host\}/);
    expect(templateProblem('DriveUp/{machine')).toMatch(/unbalanced/);
    expect(templateProblem('  /  ')).toMatch(/empty/);
    expect(templateProblem('DriveUp/../x')).toMatch(/"\.\."/);
  });
});
