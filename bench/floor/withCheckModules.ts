/**
 * The floor workflow in a bundle that also holds the check workflow's modules (the floor
 * worker's `bench-floor-modules` queue). Every workflow run evaluates its bundle's modules
 * afresh in the sandbox, so this prices the check's module graph (domain, scoring rules,
 * messages) apart from what the check's code does when it runs.
 */
export { floorWorkflow } from './workflow';
export { checkWorkflow } from '../../workflows/check';
