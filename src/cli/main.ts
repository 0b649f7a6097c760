import { Command } from 'commander';
import { agentCommand } from './agent.js';
import { registerImageCommands } from './image.js';
import { serverCommand } from './server.js';
import { upCommand } from './up.js';

/** Entry point of the `stratus` command; each subcommand lives in its own file under src/cli/. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('stratus')
    .description('Stratus: layered container orchestration')
    .showHelpAfterError('(run "stratus --help" for the commands)')
    .addCommand(serverCommand())
    .addCommand(upCommand())
    .addCommand(agentCommand());
  registerImageCommands(program);
  await program.parseAsync(argv);
}
