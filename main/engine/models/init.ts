import type { Rng } from '../../data/rng';
import { Param } from '../params';

/** U(−bound, bound). */
export function uniformParam(name: string, shape: number[], bound: number, rng: Rng): Param {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let k = 0; k < n; k++) data[k] = (2 * rng.float() - 1) * bound;
  return new Param(name, shape, data);
}

/** PyTorch's xavier_uniform_ on a 2-D (rows, cols) tensor: fan_in = cols, fan_out = rows. */
export const xavierParam = (name: string, rows: number, cols: number, rng: Rng): Param =>
  uniformParam(name, [rows, cols], Math.sqrt(6 / (rows + cols)), rng);
