/**
 * One measured figure. Benchmarks on noisy 2-core machines report ratios against a baseline
 * measured in the same run (or plain figures with the goal beside them), never pass/fail times.
 */
export interface BenchResult {
  metric: string;
  value: number;
  unit: string;
  /** The target from the issue, for the reader; the benchmark does not fail on it. */
  goal?: string;
  [extra: string]: unknown;
}

export type BenchRunner = (options: {
  quick: boolean;
  /** Run only the parts whose metric names contain this (`--only small_files`); all when unset. */
  only?: string;
  log: (line: string) => void;
}) => Promise<BenchResult[]>;
