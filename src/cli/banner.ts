/** The friendly text printed on stdout once the control plane answers. */
export function readyBanner(what: string, url: string, kubeconfigPath: string): string {
  return [
    '',
    `  ${what} is running at ${url}`,
    '',
    `  Admin kubeconfig: ${kubeconfigPath}`,
    '',
    '  Use it with kubectl:',
    `    export KUBECONFIG=${kubeconfigPath}`,
    '    kubectl get nodes',
    '',
    '  Press Ctrl+C to stop.',
    '',
  ].join('\n') + '\n';
}
