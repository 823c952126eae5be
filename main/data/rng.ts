import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

/** Seeded random source; its state can be saved and restored so interrupted runs resume exactly. */
export class Rng {
  private constructor(private gen: JumpableRandomGenerator) {}

  /** Continues from a saved state (resuming a run). */
  setState(state: readonly number[]): void {
    this.gen = xoroshiro128plusFromState(state);
  }

  static seeded(seed: number, stream = 0): Rng {
    // Independent streams (split, init, sampling) from one user-facing seed.
    const gen = xoroshiro128plus((seed ^ Math.imul(stream + 1, 0x9e3779b1)) | 0);
    return new Rng(gen);
  }

  static fromState(state: readonly number[]): Rng {
    return new Rng(xoroshiro128plusFromState(state));
  }

  state(): number[] {
    return [...this.gen.getState()];
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return uniformInt(this.gen, 0, n - 1);
  }

  /** Float in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }

  normal(): number {
    // Box–Muller; 1 - u keeps the log argument in (0, 1].
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  shuffle(a: Int32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
