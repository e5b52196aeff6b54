/** Where the command line writes. Tests pass their own; the real one writes to the process's streams. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIo: Io = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/**
 * `fireplan plan preview … | head` closes the pipe before the output ends; that is the reader
 * having seen enough, not a failure worth a stack trace.
 */
export function stopQuietlyWhenStdoutCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? EXIT_OK);
  });
}

/** Exit codes: 0 done; 2 the input (arguments or plan file) is wrong; 1 Fireplan itself failed. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_INVALID = 2;

export interface CliContext {
  io: Io;
  /** Records the exit code of the command that ran; commander's actions cannot return one. */
  exit(code: number): void;
}

export function println(write: (text: string) => void, line = ''): void {
  write(`${line}\n`);
}
