import { describe, expect, it } from 'vitest';
import { headingSlug } from '../../main/shared/heading-slug';
import { docHref, renderMarkdown } from '../../renderer/src/lib/markdown';

describe('Markdown of the shipped documents', () => {
  it('anchors headings as GitHub does, so links into the repository work in the app too', () => {
    expect(headingSlug("The number of TAs and the teacher's clusters at 32 → 4 (a sweep)")).toBe(
      'the-number-of-tas-and-the-teachers-clusters-at-32--4-a-sweep',
    );
    expect(renderMarkdown('## The collapse\n\ntext *x*')).toBe(
      '<h2 id="the-collapse">The collapse</h2>\n<p>text <em>x</em></p>\n',
    );
  });
});

describe('links in a shipped document', () => {
  it('open other documents and sections in the app; repository paths are not links', () => {
    expect(docHref('METHOD.md', 'FIDELITY')).toBe('#/docs?name=METHOD');
    expect(docHref('docs/x/y.json', 'FIDELITY')).toBeNull();
    expect(docHref('fidelity/', 'FIDELITY')).toBeNull();
    expect(docHref('#the-collapse', 'FIDELITY')).toBe('#/docs?name=FIDELITY&section=the-collapse');
    expect(docHref('GUIDE.md#hkd-runs', 'FIDELITY')).toBe('#/docs?name=GUIDE&section=hkd-runs');
    expect(docHref('https://example.org/a', 'GUIDE')).toBe('https://example.org/a');
    expect(renderMarkdown('[runs](fidelity/) and [method](METHOD.md#x)', 'FIDELITY')).toBe(
      '<p><span title="in the repository: fidelity/">runs</span> and <a href="#/docs?name=METHOD&amp;section=x">method</a></p>\n',
    );
  });
});
