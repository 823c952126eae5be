import { Marked, type Tokens } from 'marked';
import { SHIPPED_DOCS, type ShippedDoc } from '../../../main/contract';
import { headingSlug } from '../../../main/shared/heading-slug';

type InlineParser = { parser: { parseInline(t: Tokens.Generic[]): string } };

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/**
 * Where a link in a shipped document leads inside the app: another document (or a section of
 * this one) opens in the document view; a path into the repository has no page here.
 */
export function docHref(href: string, current: ShippedDoc): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return href;
  const [path, section] = href.split('#');
  const name = path === '' ? current : /^(?:\.\/|\.\.\/docs\/)?([A-Z]+)\.md$/.exec(path)?.[1];
  if (!name || !(SHIPPED_DOCS as readonly string[]).includes(name)) return null;
  return `#/docs?name=${name}${section ? `&section=${encodeURIComponent(section)}` : ''}`;
}

function parser(current: ShippedDoc): Marked {
  return new Marked({
    gfm: true,
    renderer: {
      heading(this: InlineParser, h) {
        return `<h${h.depth} id="${headingSlug(h.text)}">${this.parser.parseInline(h.tokens)}</h${h.depth}>\n`;
      },
      link(this: InlineParser, l) {
        const text = this.parser.parseInline(l.tokens);
        const to = docHref(l.href, current);
        return to === null
          ? `<span title="${escapeAttr(`in the repository: ${l.href}`)}">${text}</span>`
          : `<a href="${escapeAttr(to)}">${text}</a>`;
      },
    },
  });
}

/** HTML of one of the app's own documents (trusted: shipped with it, never user input). */
export const renderMarkdown = (markdown: string, current: ShippedDoc = 'GUIDE'): string =>
  parser(current).parse(markdown, { async: false });
