// The error thrown when the configuration cannot be loaded.

/** The version Redis prints in its FATAL CONFIG FILE ERROR banner; we report as 7.0.15. */
export const REDIS_VERSION = '7.0.15';

export class ConfigFileError extends Error {
  /**
   * True for Redis's "*** FATAL CONFIG FILE ERROR ***" block (print `message` to stderr
   * as is); false for errors Redis reports as a log line, such as a config file that
   * cannot be opened (log `message` at warning level).
   */
  readonly banner: boolean;

  constructor(message: string, banner = true) {
    super(message);
    this.name = 'ConfigFileError';
    this.banner = banner;
  }

  /**
   * The banner text exactly as redis-server prints it, e.g.
   * "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file,
   * at line 2\n>>> 'port \"abc\"'\nargument couldn't be parsed into an integer\n".
   */
  static fatal(err: string, at?: { line: number; text: string }): ConfigFileError {
    let msg = `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n`;
    if (at) msg += `Reading the configuration file, at line ${at.line}\n>>> '${at.text}'\n`;
    return new ConfigFileError(msg + err + '\n');
  }
}
