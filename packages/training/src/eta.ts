/**
 * Estimates the time left in a run from measured batch and validation times. Batch time is an
 * exponential moving average (robust to the slow first batch, follows backend warm-up); validation
 * time is the last measured one.
 */
export class EtaEstimator {
  private secondsPerBatch: number | undefined;
  private validationSeconds = 0;

  constructor(
    private readonly batchesPerEpoch: number,
    private readonly smoothing = 0.2,
  ) {}

  addBatch(seconds: number): void {
    this.secondsPerBatch = this.secondsPerBatch === undefined ? seconds : this.secondsPerBatch + this.smoothing * (seconds - this.secondsPerBatch);
  }

  /** Validation time of an epoch = epoch time minus its batches' time. */
  addValidation(seconds: number): void {
    this.validationSeconds = Math.max(0, seconds);
  }

  /** Seconds left in this epoch after `batchesDone` batches, including its validation. */
  epochSeconds(batchesDone: number): number | undefined {
    if (this.secondsPerBatch === undefined) return undefined;
    return Math.max(0, this.batchesPerEpoch - batchesDone) * this.secondsPerBatch + this.validationSeconds;
  }

  /** Seconds left in the run: the rest of this epoch plus `epochsAfter` whole epochs. */
  totalSeconds(batchesDone: number, epochsAfter: number): number | undefined {
    const rest = this.epochSeconds(batchesDone);
    if (rest === undefined || this.secondsPerBatch === undefined) return undefined;
    return rest + Math.max(0, epochsAfter) * (this.batchesPerEpoch * this.secondsPerBatch + this.validationSeconds);
  }
}
