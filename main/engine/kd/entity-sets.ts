import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../../data/sampler';

export const SET_NAMES = ['users', 'pos', 'neg'] as const;
export type SetName = (typeof SET_NAMES)[number];
export type PerSet<T> = Record<SetName, T>;

/** Which entity table a set indexes: users read the user tables, both item sets the item tables. */
export const KIND_OF: PerSet<'user' | 'item'> = { users: 'user', pos: 'item', neg: 'item' };

/** Unique ids in order of first appearance. */
export function uniqueInOrder(ids: ArrayLike<number>): Int32Array {
  const seen = new Set<number>();
  const out: number[] = [];
  for (let k = 0; k < ids.length; k++) {
    if (!seen.has(ids[k])) {
      seen.add(ids[k]);
      out.push(ids[k]);
    }
  }
  return Int32Array.from(out);
}

/** METHOD.md §5.1: U_B, P_B and N_B, de-duplicated separately. */
export function entitySets(b: Batch): PerSet<Int32Array> {
  return { users: uniqueInOrder(b.users), pos: uniqueInOrder(b.pos), neg: uniqueInOrder(b.neg) };
}

/**
 * METHOD.md §5.1: L = Σ_users ℓ + w · (Σ_pos ℓ + Σ_neg ℓ). An item in both item sets counts in
 * both sums.
 */
export function compose(perEntity: PerSet<tf.Tensor1D>, itemWeight: number): tf.Scalar {
  return tf.add(
    tf.sum(perEntity.users),
    tf.mul(itemWeight, tf.add(tf.sum(perEntity.pos), tf.sum(perEntity.neg))),
  ) as tf.Scalar;
}

export function mapSets<A, B>(x: PerSet<A>, f: (a: A, set: SetName) => B): PerSet<B> {
  return { users: f(x.users, 'users'), pos: f(x.pos, 'pos'), neg: f(x.neg, 'neg') };
}

/** Concatenates per-set row blocks (in SET_NAMES order) for one shared computation. */
export function concatSets<T extends tf.Tensor>(
  x: Pick<PerSet<T>, SetName>,
  names: readonly SetName[] = SET_NAMES,
): T {
  return (
    names.length === 1
      ? x[names[0]]
      : tf.concat(
          names.map((n) => x[n]),
          0,
        )
  ) as T;
}

/** Splits rows computed on concatenated sets back into the sets. */
export function splitSets<T extends tf.Tensor>(
  x: T,
  sizes: Partial<PerSet<number>>,
  names: readonly SetName[] = SET_NAMES,
): Partial<PerSet<T>> {
  if (names.length === 1) return { [names[0]]: x } as Partial<PerSet<T>>;
  const parts = tf.split(
    x,
    names.map((n) => sizes[n]!),
    0,
  ) as T[];
  return Object.fromEntries(names.map((n, i) => [n, parts[i]])) as Partial<PerSet<T>>;
}
