// Quoting for words that bash will `eval`, also after an unquoted `$(...)` has split
// them on whitespace and glob-expanded them first, as in `eval pieces=($(cmd))`. A word
// of safe characters is printed as is; any other word becomes $'...' with every unsafe
// byte as \xHH, so it holds no whitespace or glob character that the split could break.
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shellQuote(word: string): string {
  if (SAFE.test(word)) return word;
  let out = "$'";
  for (const byte of Buffer.from(word, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && /[A-Za-z0-9_@%+=:,./-]/.test(c) ? c : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out + "'";
}
