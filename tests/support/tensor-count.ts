import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { Rng } from '../../main/data/rng';
import type { TrainSet } from '../../main/data/split';
import { Adam } from '../../main/engine/adam';
import type { Recommender } from '../../main/engine/models/model';
import { trainEpoch } from '../../main/engine/fit';

/** After a warm-up epoch, three more epochs leave the number of live tensors unchanged. */
export async function expectFlatTensorCount(m: Recommender, train: TrainSet): Promise<void> {
  const opt = new Adam(m.params);
  const rng = Rng.seeded(2);
  await trainEpoch(m, opt, train, rng, { batchSize: 64, negatives: 1 });
  const before = tf.memory().numTensors;
  for (let e = 0; e < 3; e++) await trainEpoch(m, opt, train, rng, { batchSize: 64, negatives: 1 });
  expect(tf.memory().numTensors).toBe(before);
}
