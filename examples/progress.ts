/**
 * A one-line progress bar with ETA for the command-line examples (stderr; on a non-TTY a line every 10 %).
 */
const isTty = process.stderr.isTTY === true;

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export class Progress {
  private readonly start = performance.now();
  private lastDecile = -1;

  constructor(private readonly label: string, private readonly total: number) {}

  /** Reports `done` of `total` units (with an optional note: what is being done). */
  update(done: number, note = ''): void {
    const f = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const elapsed = performance.now() - this.start;
    const eta = f > 0 ? (elapsed / f) * (1 - f) : Number.NaN;
    const bar = '#'.repeat(Math.round(f * 24)).padEnd(24, '.');
    const line = `${this.label} [${bar}] ${(f * 100).toFixed(0).padStart(3)}% ${clock(elapsed)} elapsed${f < 1 && Number.isFinite(eta) ? `, ETA ${clock(eta)}` : ''}${note === '' ? '' : ` · ${note}`}`;
    if (isTty) process.stderr.write(`\r${line.slice(0, 150).padEnd(150)}`);
    else {
      const decile = Math.floor(f * 10);
      if (decile !== this.lastDecile) {
        this.lastDecile = decile;
        process.stderr.write(`${line}\n`);
      }
    }
  }

  /** Ends the line; returns the elapsed seconds. */
  done(note = ''): number {
    this.update(this.total, note);
    if (isTty) process.stderr.write('\n');
    return (performance.now() - this.start) / 1000;
  }
}
