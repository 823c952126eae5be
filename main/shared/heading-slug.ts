/**
 * GitHub's heading anchors: lower case, punctuation dropped, each space a hyphen. The workbench's
 * document view uses the same, so one link into docs/ works in the repository and in the app.
 */
export const headingSlug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
