import { Command } from 'commander';

/** Entry point of the `stratus` command; each subcommand lives in its own file under src/cli/. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('stratus').description('Stratus: layered container orchestration');
  await program.parseAsync(argv);
}
