/**
 * Whether a log stream gets ANSI colours: only a terminal, and never with
 * NO_COLOR set to anything but the empty string (https://no-color.org).
 * Nest's ConsoleLogger colours whenever NO_COLOR is unset, so a log
 * redirected to a file or collected by docker would carry escape codes.
 */
export function logColours(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}
