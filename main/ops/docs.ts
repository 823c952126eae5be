import { existsSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { ShippedDoc } from '../contract';
import { NotFoundError } from '../errors';

/** Where the repository's documents are: two folders up from this module and its bundle. */
const DOCS_DIR = resolve(__dirname, '..', '..', 'docs');

const IMAGE_TYPES: Record<string, string> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * A shipped document's Markdown with its local figures inlined as data URLs, so the page shows
 * them without the app serving files (the desktop window has no file server).
 */
export function shippedDoc(name: ShippedDoc): { name: ShippedDoc; markdown: string } {
  const file = join(DOCS_DIR, `${name}.md`);
  if (!existsSync(file)) throw new NotFoundError(`this install has no docs/${name}.md`);
  const markdown = readFileSync(file, 'utf8').replace(
    /!\[([^\]]*)\]\(((?:\.\/)?images\/[^)\s]+)\)/g,
    (whole, alt: string, path: string) => {
      const type = IMAGE_TYPES[extname(path).toLowerCase()];
      const image = resolve(DOCS_DIR, path);
      if (!type || !image.startsWith(DOCS_DIR) || !existsSync(image)) return whole;
      return `![${alt}](data:${type};base64,${readFileSync(image).toString('base64')})`;
    },
  );
  return { name, markdown };
}
