/**
 * Text made safe to put in SVG and HTML, as character data or inside a
 * double- or single-quoted attribute.
 *
 * Invariant: the result contains no `<`, `>`, `&` (but as the start of an
 * entity), `"` or `'`, and only characters XML 1.0 allows: any other
 * (control characters, lone surrogates, U+FFFE, U+FFFF) becomes U+FFFD.
 *
 * @module
 */

const ENTITY: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes `text` for XML and HTML (see the module invariant). */
export function escapeXml(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && isLow(text.charCodeAt(i + 1))) {
      out += text[i] + text[i + 1];
      i++;
    } else if (isForbidden(c)) out += "\ufffd";
    else out += ENTITY[text[i]] ?? text[i];
  }
  return out;
}

/** Whether XML 1.0 forbids the lone code unit `c`: C0 controls but tab and newlines, surrogates, U+FFFE and U+FFFF. */
function isForbidden(c: number): boolean {
  return (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0xd800 && c <= 0xdfff) || c >= 0xfffe;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
