import { marked, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { SHIPPED_DOCS } from '../../main/contract';
import { shippedDoc } from '../../main/ops/docs';
import { COLLAPSE_DOC } from '../../main/shared/collapse';
import { headingSlug } from '../../main/shared/heading-slug';

describe('shipped documents in the workbench', () => {
  it('serves every shipped document with its figures inlined', () => {
    for (const name of SHIPPED_DOCS) expect(shippedDoc(name).markdown.length).toBeGreaterThan(500);
    const fidelity = shippedDoc('FIDELITY').markdown;
    expect(fidelity).toMatch(/!\[[^\]]*\]\(data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+\)/);
    expect(fidelity).not.toMatch(/\]\(images\//);
  });

  // marked's own headings, as the document view renders them: a `# comment` in a code block is none.
  const anchors = (markdown: string): string[] =>
    marked
      .lexer(markdown)
      .flatMap((t) => (t.type === 'heading' ? [headingSlug((t as Tokens.Heading).text)] : []));

  it('has the section the collapse warning links to', () => {
    const [file, anchor] = COLLAPSE_DOC.split('#');
    expect(file).toBe('docs/FIDELITY.md');
    expect(anchors(shippedDoc('FIDELITY').markdown)).toContain(anchor);
  });

  it('links within a document only to its own headings', () => {
    for (const name of SHIPPED_DOCS) {
      const { markdown } = shippedDoc(name);
      const links = [...markdown.matchAll(/\]\(#([^)\s]+)\)/g)].map((m) => m[1]);
      for (const link of links) expect(anchors(markdown), `${name}: #${link}`).toContain(link);
    }
  });
});
