import type { EpochReport } from '../engine/fit';
import type { Io } from './program';
import { duration } from '../shared/run-outcome';

/**
 * Training progress on stderr: a live, rewritten line on a terminal; one line per epoch
 * otherwise (logs). Silent when the caller wants only JSON.
 */
export class ProgressLine {
  private runId = 0;
  private maxEpochs = 0;
  private patience = 0;
  private seconds = 0;
  /** Epochs timed by this process (a resumed run starts past zero). */
  private timed = 0;
  private live = false;
  /** The last epoch's line, which the batch counter is appended to. */
  private last = '';
  private shownAt = 0;

  constructor(
    private readonly io: Io,
    private readonly enabled: boolean,
  ) {}

  start(runId: number, backend: string, maxEpochs: number, patience: number): void {
    this.runId = runId;
    this.maxEpochs = maxEpochs;
    this.patience = patience;
    if (this.enabled) this.io.err(`run #${runId} on ${backend}`);
  }

  epoch(e: EpochReport): void {
    if (!this.enabled) return;
    this.seconds += e.trainSeconds + e.evalSeconds;
    const perEpoch = this.seconds / ++this.timed;
    // Where it stops if no later epoch beats its best: patience after the best, or the limit.
    const stop = Math.min(this.maxEpochs, e.bestEpoch + 1 + this.patience);
    const left = stop - e.epoch - 1;
    const best = `best ${e.bestValidH5.toFixed(4)} @${e.bestEpoch + 1}`;
    const stops = `stops in ≈ ${duration(left * perEpoch)} unless it improves`;
    const line =
      `run #${this.runId} epoch ${e.epoch + 1}/${this.maxEpochs}  loss ${e.losses.total.toFixed(1)}  ` +
      `valid H@5 ${e.valid.H5.toFixed(4)}  ${best}  ${perEpoch.toFixed(2)} s/epoch  ${stops}`;
    this.last = `${best}, ${stops}`;
    if (this.io.tty) {
      this.io.err(`\r\u001b[2K${line}`);
      this.live = true;
    } else {
      this.io.err(line);
    }
  }

  /** On a terminal, where the run is within the epoch (a slow epoch is minutes), 4× a second. */
  batch(epoch: number, batch: number, batches: number, now = Date.now()): void {
    if (!this.enabled || !this.io.tty || now - this.shownAt < 250) return;
    this.shownAt = now;
    const where = `run #${this.runId} epoch ${epoch + 1}/${this.maxEpochs} · batch ${batch}/${batches}`;
    this.io.err(`\r\u001b[2K${where}${this.last ? `  ${this.last}` : ''}`);
    this.live = true;
  }

  done(): void {
    if (this.live) this.io.err('');
    this.live = false;
  }
}
