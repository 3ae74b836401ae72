// Facts about where output goes, kept apart so the quick entry can use them.

/** Columns of a terminal; undefined when the stream is piped. */
export function terminalWidthOf(stream: { isTTY?: boolean; columns?: number }): number | undefined {
  return stream.isTTY && stream.columns ? stream.columns : undefined;
}
