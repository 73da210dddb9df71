/** The text in upper case. */
export function upper(text) {
  return text.toUpperCase()
}
