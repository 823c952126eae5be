/** Series colours shared by every chart (readable on the light and the dark theme). */
export const COLORS = [
  '#3056d3',
  '#d3702f',
  '#23845a',
  '#b93a3a',
  '#8a4fd1',
  '#2a9db0',
  '#a08a1c',
  '#7a7f8c',
];
