import { InputError } from '../errors';
import { readLines, type OnBytes } from './read-lines';
import { parseId, RawBuilder, type RawInteractions } from './raw';

/**
 * CiteULike/Foursquare `users.dat`: one line per user (the user id is the 0-based line index),
 * an item count, then the raw item ids. The ids are authoritative; the count is only checked.
 */
export async function parseUsersDat(file: string, onBytes?: OnBytes): Promise<RawInteractions> {
  const b = new RawBuilder();
  for await (const [lineNo, line] of readLines(file, onBytes)) {
    const tokens = line.trim().split(/\s+/);
    if (tokens[0] === '') {
      throw new InputError('empty line; each line must start with an item count', file, lineNo);
    }
    const declared = parseId(tokens[0], 'count', file, lineNo);
    const user = lineNo - 1;
    b.touch(user);
    for (let k = 1; k < tokens.length; k++) b.add(user, parseId(tokens[k], 'item', file, lineNo));
    if (declared !== tokens.length - 1) b.countMismatches++;
  }
  return b.finish(file);
}
