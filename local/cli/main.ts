import { Command, CommanderError } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { EXIT_FAILURE, EXIT_INVALID, EXIT_OK, processIo, println, stopQuietlyWhenStdoutCloses, type CliContext, type Io } from './io.ts';
import { registerPlanCommands } from './plan-commands.ts';
import { registerSimulateCommand } from './simulate-command.ts';
import { registerStartCommand } from './start-command.ts';
import { registerTokenCommand } from './token-command.ts';
import { registerBenchCommand } from '../bench/command.ts';

/** The `fireplan` command line. Returns the exit code instead of exiting, so tests can call it in-process. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  if (io === processIo) stopQuietlyWhenStdoutCloses();
  let exitCode = EXIT_OK;
  const context: CliContext = { io, exit: (code) => void (exitCode = code) };
  const program = createProgram(io);
  registerPlanCommands(program, context);
  registerSimulateCommand(program, context);
  registerStartCommand(program, context);
  registerTokenCommand(program, context);
  registerBenchCommand(program, context);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    // Help and --version end by "exiting" 0; every other commander exit is a usage error.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_INVALID;
    println(io.stderr, `fireplan: internal error: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.FIREPLAN_DEBUG && error instanceof Error && error.stack) println(io.stderr, error.stack);
    return EXIT_FAILURE;
  }
}

/** Settings made here are inherited by every subcommand added afterwards. */
function createProgram(io: Io): Command {
  return new Command('fireplan')
    .description("a township's annual fire-safety work plan, run as tracked duties")
    .version(packageJson.version)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError()
    .showSuggestionAfterError();
}
