import { InputError } from '../errors';
import { readLines, type OnBytes } from './read-lines';
import { idToken, RawBuilder, type RawInteractions } from './raw';

/** MovieLens `ratings.dat`: `user::movie::rating::timestamp`. Every rating is an interaction. */
export async function parseMovieLensDat(file: string, onBytes?: OnBytes): Promise<RawInteractions> {
  const b = new RawBuilder();
  for await (const [lineNo, line] of readLines(file, onBytes)) {
    if (line.trim() === '') continue;
    const fields = line.split('::');
    if (fields.length < 2) {
      throw new InputError("expected 'user::movie::rating::timestamp'", file, lineNo);
    }
    b.add(
      idToken(fields[0].trim(), 'user', file, lineNo),
      idToken(fields[1].trim(), 'item', file, lineNo),
    );
  }
  return b.finish(file);
}
