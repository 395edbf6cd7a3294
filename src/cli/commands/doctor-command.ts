import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import {
  DOCTOR_CHECKS,
  doctorContext,
  runChecks,
  type CheckResult,
} from '../doctor/doctor-checks.ts';
import { EXIT } from '../exit-codes.ts';
import { escapeControl } from '../terminal-text.ts';

export function registerDoctor(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description(
      'Check that everything DriveUp needs is in order (exit 0 only when it is); works without an agent',
    )
    .action(async () => {
      const checks = await runChecks(DOCTOR_CHECKS, doctorContext(ctx.paths, process.env));
      const healthy = checks.every((check) => check.ok);
      ctx.print({ ok: healthy, checks }, () => renderChecks(checks, healthy));
      if (!healthy) process.exitCode = EXIT.failed;
    });
}

function renderChecks(checks: CheckResult[], healthy: boolean): string {
  const width = Math.max(...checks.map((check) => check.name.length));
  const lines = checks.flatMap((check) => {
    const mark = check.skipped ? '-' : check.ok ? '✓' : '✗';
    const line = `${mark} ${check.name.padEnd(width)}  ${escapeControl(check.detail)}`;
    return check.fix ? [line, `  ${' '.repeat(width)}  → ${escapeControl(check.fix)}`] : [line];
  });
  const problems = checks.filter((check) => !check.ok).length;
  lines.push('', healthy ? 'All is well.' : `${problems} problem(s).`);
  return lines.join('\n');
}
