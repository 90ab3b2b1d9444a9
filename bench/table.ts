// One row of the table `npm run bench` prints at the end (scripts/bench.mjs collects them): a
// bench prints its own lines as it likes, and calls row() for each figure worth the summary.

/** A summary figure: what appinit measured, the reference measured in the same run, their ratio, the goal. */
export interface Row {
  figure: string;
  appinit: string;
  reference?: string;
  ratio?: string;
  goal?: string;
}

/** Marks the line for scripts/bench.mjs, which strips it from the output and keeps the row. */
export const ROW_MARK = '::bench-row::';

/** Prints one summary row. */
export function row(r: Row): void {
  console.log(ROW_MARK + JSON.stringify(r));
}
