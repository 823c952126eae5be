import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { InputError, quoted } from '../errors';
import { checkReadableFile, checkUnchanged, readError, type OnBytes } from './read-lines';
import { idToken, RawBuilder, type RawInteractions } from './raw';

/** Header names of the user and item columns in common public datasets. */
const USER_COLUMN =
  /^(user|users|userid|user_id|uid|u|reviewerid|reviewer_id|customer_id|customerid|visitorid)$/i;
const ITEM_COLUMN =
  /^(item|items|itemid|item_id|iid|i|movie|movieid|movie_id|venue|venueid|venue_id|asin|business_id|businessid|product_id|productid|parent_asin|track_id|trackid|artist_id|artistid|book_id|bookid|isbn)$/i;

/** Which column holds the user and which the item: a header name or a 1-based position. */
export interface ColumnChoice {
  userCol?: string;
  itemCol?: string;
}

/** Picks the delimiter that splits the first line into the most fields. */
export function detectDelimiter(line: string): string {
  const candidates = ['\t', ',', ';', '|'];
  let best = ',';
  let bestCount = 0;
  for (const d of candidates) {
    const n = line.split(d).length;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  if (bestCount < 2) {
    throw new InputError(
      'cannot find a delimiter (tab, comma, semicolon or |) separating user and item columns',
    );
  }
  return best;
}

const isInt = (s: string | undefined) => s !== undefined && /^-?\d+$/.test(s);
/** Rows read before deciding whether the first is a header. */
const LOOKAHEAD = 20;

interface Layout {
  header: boolean;
  user: number;
  item: number;
}

/**
 * Whether the first row is a header, and which columns hold the ids. Named columns (given, or
 * known names such as userId/movieId, reviewerID/asin) make it a header; so does a first row whose
 * id fields are text where every following row has integers there. Otherwise it is data: ids may
 * be any text.
 */
function layoutOf(rows: string[][], choice: ColumnChoice, file: string): Layout {
  const first = rows[0];
  const isPosition = (name: string | undefined) => name !== undefined && /^\d+$/.test(name);
  const named = (name: string | undefined) => name !== undefined && !isPosition(name);
  const find = (name: string | undefined, known: RegExp) =>
    isPosition(name)
      ? -1
      : first.findIndex((h) => (name === undefined ? known.test(h) : h === name));
  const u = find(choice.userCol, USER_COLUMN);
  const i = find(choice.itemCol, ITEM_COLUMN);
  for (const [name, found] of [
    [choice.userCol, u],
    [choice.itemCol, i],
  ] as const) {
    if (named(name) && found < 0)
      throw new InputError(
        `no column named ${quoted(name!)} in the first row (${first.map((h) => quoted(h)).join(', ')})`,
        file,
        1,
      );
  }
  const namedHeader = named(choice.userCol) || named(choice.itemCol) || (u >= 0 && i >= 0);
  const column = (name: string | undefined, found: number, fallback: number) =>
    isPosition(name) ? Number(name) - 1 : namedHeader && found >= 0 ? found : fallback;
  const user = column(choice.userCol, u, 0);
  const item = column(choice.itemCol, i, 1);
  if (user < 0 || item < 0) throw new InputError('column positions start at 1', file);
  if (user === item) throw new InputError('the user and item columns must differ', file);
  const rest = rows.slice(1);
  const typedHeader =
    rest.length > 0 &&
    !(isInt(first[user]) && isInt(first[item])) &&
    rest.every((r) => isInt(r[user]) && isInt(r[item]));
  return { header: namedHeader || typedHeader, user, item };
}

/**
 * CSV/TSV interaction files (MovieLens `ratings.csv`, Amazon, Yelp … included): a user column, an
 * item column, any extra columns ignored. Ids may be any text; LF, CRLF and CR line endings and a
 * byte-order mark are accepted.
 */
export async function parseDelimited(
  file: string,
  /** Its first non-blank line (the caller has read it), which decides the delimiter. */
  first: string,
  onBytes?: OnBytes,
  choice: ColumnChoice = {},
): Promise<RawInteractions> {
  const stamp = checkReadableFile(file);
  let delimiter: string;
  try {
    delimiter = detectDelimiter(first);
  } catch (e) {
    if (e instanceof InputError && e.file === undefined) throw new InputError(e.reason, file, 1);
    throw e;
  }
  const input = createReadStream(file);
  if (onBytes) input.on('data', () => onBytes(input.bytesRead));
  const parser = parse({
    delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
    max_record_size: 1 << 20,
  });
  input.on('error', (e) => parser.destroy(readError(e, file)));
  input.pipe(parser);
  const b = new RawBuilder();
  let layout: Layout | undefined;
  const pending: { record: string[]; line: number }[] = [];
  const add = (record: string[], line: number, l: Layout) => {
    if (record.length <= Math.max(l.user, l.item)) {
      throw new InputError(
        `expected at least ${Math.max(l.user, l.item) + 1} columns, found ${record.length}`,
        file,
        line,
      );
    }
    b.add(idToken(record[l.user], 'user', file, line), idToken(record[l.item], 'item', file, line));
  };
  const decide = () => {
    layout = layoutOf(
      pending.map((p) => p.record),
      choice,
      file,
    );
    pending.forEach((p, k) => (k > 0 || !layout!.header) && add(p.record, p.line, layout!));
    pending.length = 0;
  };
  try {
    for await (const rec of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (layout) add(rec.record, rec.info.lines, layout);
      else {
        pending.push({ record: rec.record, line: rec.info.lines });
        if (pending.length >= LOOKAHEAD) decide();
      }
    }
    if (!layout && pending.length > 0) decide();
  } catch (e) {
    if (e instanceof InputError) throw e;
    const err = e as { message?: string; lines?: number; code?: string };
    if (err.code?.startsWith('CSV_'))
      throw new InputError(`malformed CSV: ${err.message ?? String(e)}`, file, err.lines);
    throw readError(e, file);
  } finally {
    input.destroy();
  }
  checkUnchanged(file, stamp, input.bytesRead);
  return b.finish(file);
}
