import Table from 'cli-table3';

/**
 * Colour only for a terminal that wants it: Node's own detection (a TTY whose
 * hasColors() honours NO_COLOR, NODE_DISABLE_COLORS, FORCE_COLOR and TERM=dumb).
 * Pipes, files and CI logs get plain text.
 */
export function colourful(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && stream.hasColors();
}

/** Border characters without the rule between body rows (the header keeps its own line of cells). */
export const NO_ROW_RULES = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

/** A cli-table3 table for stdout: coloured headers and borders only when colourful(). */
export function table(options: Table.TableConstructorOptions = {}): Table.Table {
  const style = colourful() ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] };
  return new Table({ ...options, style: { ...style, ...options.style } });
}
