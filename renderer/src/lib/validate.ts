import {
  DistillConfigSchema,
  TrainConfigSchema,
  variantProblem,
  type DistillConfig,
} from '../../../main/contract';

/**
 * Field → message for a run request, checked with the same schemas the core applies, plus what
 * needs the chosen teacher (its size). Empty when the request can be sent.
 */
export function validateRun(
  kind: 'train' | 'distill',
  request: Record<string, unknown>,
  teacherDim?: number,
): Record<string, string> {
  const r = (kind === 'train' ? TrainConfigSchema : DistillConfigSchema).safeParse(request);
  const out: Record<string, string> = {};
  if (!r.success)
    for (const i of r.error.issues) {
      const key = String(i.path[0] ?? (i.code === 'unrecognized_keys' ? i.keys[0] : ''));
      out[key] ??= i.message;
    }
  if (kind === 'distill') {
    const problem = r.success ? variantProblem(r.data as DistillConfig) : undefined;
    if (problem) out[problem.field] = problem.message;
    if (teacherDim === undefined) out.teacher = 'choose a teacher run';
    else if (Number(request.studentDim) >= teacherDim)
      out.studentDim = `must be smaller than the teacher (${teacherDim})`;
    const ta = request.taDims as number[] | undefined;
    if (
      teacherDim !== undefined &&
      ta?.some((d) => d <= Number(request.studentDim) || d >= teacherDim)
    )
      out.taDims = `each TA size must lie between the student and the teacher (${teacherDim})`;
  }
  return out;
}
