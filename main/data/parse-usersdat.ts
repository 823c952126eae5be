import { InputError, quoted } from '../errors';
import { readLines, type OnBytes } from './read-lines';
import { idToken, RawBuilder, type RawInteractions } from './raw';

/**
 * CiteULike/Foursquare `users.dat`: one line per user (the user id is the 0-based line index),
 * an item count, then the item ids, separated by spaces or tabs. A blank line is a user with no
 * items (its position is its id). The ids are authoritative (METHOD.md §1.1); a count that
 * disagrees with them is reported as a warning.
 */
export async function parseUsersDat(file: string, onBytes?: OnBytes): Promise<RawInteractions> {
  const b = new RawBuilder();
  let mismatches = 0;
  let firstMismatch = '';
  for await (const [lineNo, line] of readLines(file, onBytes)) {
    const text = line.trim();
    if (text === '') continue;
    const tokens = text.split(/\s+/);
    if (!/^\d+$/.test(tokens[0]))
      throw new InputError(
        `the first field ${quoted(tokens[0])} must be the line's item count (a non-negative integer)`,
        file,
        lineNo,
      );
    const user = String(lineNo - 1);
    b.touch(user);
    for (let k = 1; k < tokens.length; k++) b.add(user, idToken(tokens[k], 'item', file, lineNo));
    if (Number(tokens[0]) !== tokens.length - 1 && mismatches++ === 0)
      firstMismatch = `${file}:${lineNo}: declares ${tokens[0]} items, lists ${tokens.length - 1}`;
  }
  if (mismatches > 0)
    b.warnings.push(
      `${mismatches} line${mismatches === 1 ? '' : 's'} declare an item count that differs from the ids listed (first: ${firstMismatch}); the listed ids were imported`,
    );
  return b.finish(file);
}
