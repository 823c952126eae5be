import { methodFacts, type Metrics, type RunInfo } from '../contract';
import { variantOf } from './run-variant';

/**
 * The paper's published results (5-seed means), transcribed from METHOD.md §7.2 as printed: each
 * line is a table row, one cell per base model, metrics separated by "/".
 */
const MODELS = ['BPR', 'NeuMF', 'NGCF', 'LightGCN', 'SGL'];

const TABLE2_CITEULIKE = `
| Teacher | 0.5273 / 0.6248 / 0.4121 / 0.4419 | 0.443 / 0.5426 / 0.3431 / 0.3745 | 0.5291 / 0.6288 / 0.4146 / 0.4478 | 0.5316 / 0.6313 / 0.4167 / 0.4498 | 0.5405 / 0.6424 / 0.4217 / 0.4563 |
| Student | 0.4432 / 0.5517 / 0.3403 / 0.3765 | 0.3939 / 0.4976 / 0.296 / 0.3296 | 0.4496 / 0.5584 / 0.3441 / 0.3793 | 0.4554 / 0.5622 / 0.3483 / 0.3837 | 0.4633 / 0.5697 / 0.3512 / 0.3884 |
| DE | 0.4791 / 0.5834 / 0.3637 / 0.3998 | 0.4313 / 0.5298 / 0.324 / 0.3524 | 0.4823 / 0.5898 / 0.3676 / 0.4018 | 0.4855 / 0.5902 / 0.3684 / 0.4028 | 0.4908 / 0.5983 / 0.3719 / 0.4091 |
| TAKD+DE | 0.4812 / 0.5876 / 0.3677 / 0.4019 | 0.4335 / 0.5311 / 0.3266 / 0.3563 | 0.4842 / 0.5904 / 0.3693 / 0.4041 | 0.4879 / 0.5919 / 0.3702 / 0.4041 | 0.4931 / 0.6009 / 0.3734 / 0.4128 |
| DGKD+DE | 0.4876 / 0.5913 / 0.3712 / 0.4041 | 0.4374 / 0.5377 / 0.3307 / 0.3624 | 0.4896 / 0.5939 / 0.3731 / 0.4073 | 0.4924 / 0.5986 / 0.3753 / 0.4085 | 0.4992 / 0.6058 / 0.3788 / 0.4175 |
| HyperKDMA+DE | 0.4934 / 0.5969 / 0.3772 / 0.4125 | 0.4422 / 0.5423 / 0.337 / 0.3687 | 0.4964 / 0.6005 / 0.3796 / 0.4155 | 0.5037 / 0.6053 / 0.3821 / 0.4154 | 0.5086 / 0.6117 / 0.3876 / 0.4243 |
| PHR | 0.4878 / 0.5902 / 0.3709 / 0.4081 | 0.4369 / 0.5396 / 0.3314 / 0.3599 | 0.4908 / 0.5965 / 0.3749 / 0.4098 | 0.4972 / 0.601 / 0.3768 / 0.4118 | 0.5016 / 0.6079 / 0.3803 / 0.4172 |
| TAKD+PHR | 0.4891 / 0.5928 / 0.3723 / 0.4102 | 0.4382 / 0.5411 / 0.3336 / 0.3624 | 0.4923 / 0.5989 / 0.3771 / 0.4119 | 0.4993 / 0.6029 / 0.379 / 0.4139 | 0.5031 / 0.6094 / 0.3832 / 0.4195 |
| DGKD+PHR | 0.4927 / 0.5988 / 0.3776 / 0.4147 | 0.4406 / 0.5482 / 0.3378 / 0.3676 | 0.4958 / 0.6041 / 0.3826 / 0.4156 | 0.5017 / 0.6085 / 0.3829 / 0.4193 | 0.5075 / 0.6148 / 0.3878 / 0.4249 |
| HyperKDMA+PHR | 0.4994 / 0.6059 / 0.3812 / 0.4198 | 0.4428 / 0.5441 / 0.3417 / 0.3703 | 0.5026 / 0.6111 / 0.3867 / 0.4209 | 0.5084 / 0.6141 / 0.3873 / 0.4256 | 0.5156 / 0.6193 / 0.3924 / 0.4308 |`;

const TABLE2_FOURSQUARE = `
| Teacher | 0.5409 / 0.6929 / 0.3953 / 0.4444 | 0.5405 / 0.6784 / 0.396 / 0.4405 | 0.5821 / 0.7234 / 0.4328 / 0.4754 | 0.5851 / 0.7274 / 0.4341 / 0.4796 | 0.5921 / 0.7346 / 0.4427 / 0.4836 |
| Student | 0.5085 / 0.6581 / 0.369 / 0.4177 | 0.4804 / 0.6341 / 0.3396 / 0.392 | 0.5331 / 0.6814 / 0.3897 / 0.4118 | 0.5369 / 0.6831 / 0.3922 / 0.439 | 0.5412 / 0.6897 / 0.3988 / 0.442 |
| DE | 0.5156 / 0.6671 / 0.3737 / 0.4228 | 0.5092 / 0.6578 / 0.3635 / 0.4109 | 0.5412 / 0.6873 / 0.3967 / 0.4427 | 0.5438 / 0.6902 / 0.3996 / 0.4459 | 0.5479 / 0.6952 / 0.4075 / 0.4517 |
| TAKD+DE | 0.5171 / 0.6692 / 0.3768 / 0.4254 | 0.5111 / 0.6599 / 0.3675 / 0.4148 | 0.5443 / 0.6919 / 0.3994 / 0.4458 | 0.5473 / 0.6968 / 0.4019 / 0.4496 | 0.5506 / 0.6999 / 0.4093 / 0.4538 |
| DGKD+DE | 0.5218 / 0.6735 / 0.3803 / 0.4297 | 0.5184 / 0.6643 / 0.3714 / 0.418 | 0.5491 / 0.6986 / 0.405 / 0.4497 | 0.5522 / 0.7031 / 0.4067 / 0.4535 | 0.5548 / 0.7067 / 0.4136 / 0.4577 |
| HyperKDMA+DE | 0.5283 / 0.6791 / 0.3878 / 0.4346 | 0.5226 / 0.6693 / 0.3788 / 0.4245 | 0.5567 / 0.707 / 0.4103 / 0.4579 | 0.5589 / 0.7092 / 0.4129 / 0.4605 | 0.5627 / 0.7135 / 0.4193 / 0.4648 |
| PHR | 0.5239 / 0.6717 / 0.3794 / 0.429 | 0.5173 / 0.6645 / 0.3717 / 0.4193 | 0.5503 / 0.6962 / 0.4028 / 0.4507 | 0.5536 / 0.6991 / 0.4064 / 0.4524 | 0.5556 / 0.7034 / 0.4155 / 0.4602 |
| TAKD+PHR | 0.5256 / 0.6745 / 0.3816 / 0.4314 | 0.5203 / 0.6668 / 0.3746 / 0.4218 | 0.5549 / 0.6993 / 0.4077 / 0.4543 | 0.5576 / 0.7021 / 0.4106 / 0.4567 | 0.5594 / 0.7061 / 0.4183 / 0.4644 |
| DGKD+PHR | 0.5298 / 0.6811 / 0.3863 / 0.4357 | 0.5267 / 0.6705 / 0.3792 / 0.4251 | 0.5584 / 0.7057 / 0.4121 / 0.4596 | 0.5623 / 0.7088 / 0.4153 / 0.461 | 0.5655 / 0.7115 / 0.4249 / 0.4683 |
| HyperKDMA+PHR | 0.5357 / 0.6872 / 0.3917 / 0.4398 | 0.529 / 0.6736 / 0.3818 / 0.4283 | 0.5637 / 0.7097 / 0.4188 / 0.4653 | 0.5671 / 0.7111 / 0.4216 / 0.4676 | 0.5688 / 0.7159 / 0.4305 / 0.4745 |`;

const TABLE4_CITEULIKE = `
| HyperKDMA+DE | 0.4934 / 0.3772 | 0.4422 / 0.337 | 0.4964 / 0.3796 | 0.5037 / 0.3821 | 0.5086 / 0.3876 |
| w/o HNet | 0.4896 / 0.3733 | 0.4409 / 0.3337 | 0.4916 / 0.3743 | 0.4993 / 0.3783 | 0.5053 / 0.3803 |
| w/o GNet | 0.4909 / 0.374 | 0.4416 / 0.3341 | 0.4939 / 0.3754 | 0.5026 / 0.3802 | 0.5086 / 0.3839 |
| HyperKDMA+PHR | 0.4994 / 0.3812 | 0.4428 / 0.3417 | 0.5026 / 0.3867 | 0.5084 / 0.3873 | 0.5156 / 0.3924 |
| w/o HNet | 0.4954 / 0.3761 | 0.441 / 0.3367 | 0.4973 / 0.3808 | 0.5023 / 0.3812 | 0.5093 / 0.3861 |
| w/o GNet | 0.4976 / 0.3783 | 0.4423 / 0.338 | 0.4992 / 0.3825 | 0.5051 / 0.3841 | 0.5127 / 0.3897 |`;

const TABLE4_FOURSQUARE = `
| HyperKDMA+DE | 0.5283 / 0.3878 | 0.5226 / 0.3788 | 0.5567 / 0.4103 | 0.5589 / 0.4129 | 0.5627 / 0.4193 |
| w/o HNet | 0.5226 / 0.3804 | 0.517 / 0.3724 | 0.5513 / 0.4044 | 0.5539 / 0.4065 | 0.5571 / 0.4132 |
| w/o GNet | 0.5253 / 0.3829 | 0.5194 / 0.3733 | 0.5529 / 0.4072 | 0.555 / 0.4081 | 0.5596 / 0.4167 |
| HyperKDMA+PHR | 0.5357 / 0.3917 | 0.529 / 0.3818 | 0.5637 / 0.4188 | 0.5671 / 0.4216 | 0.5688 / 0.4305 |
| w/o HNet | 0.5317 / 0.3854 | 0.5221 / 0.3774 | 0.5569 / 0.4082 | 0.5602 / 0.4124 | 0.5631 / 0.4275 |
| w/o GNet | 0.5323 / 0.3871 | 0.5241 / 0.3796 | 0.5602 / 0.4103 | 0.5633 / 0.4155 | 0.5657 / 0.4296 |`;

const TABLE5_MOVIELENS = `
| Teacher | 0.5847 / 0.4438 | 0.5856 / 0.4451 | 0.6236 / 0.4827 | 0.6269 / 0.4856 | 0.6327 / 0.4914 |
| Student | 0.5265 / 0.3846 | 0.5291 / 0.3873 | 0.5667 / 0.4431 | 0.5697 / 0.4472 | 0.5728 / 0.4506 |
| DE | 0.5357 / 0.3953 | 0.5318 / 0.3926 | 0.5779 / 0.4528 | 0.5788 / 0.4556 | 0.5813 / 0.4598 |
| TAKD+DE | 0.5386 / 0.3979 | 0.5334 / 0.3941 | 0.5802 / 0.4551 | 0.5813 / 0.4582 | 0.5836 / 0.4614 |
| DGKD+DE | 0.5403 / 0.4006 | 0.5369 / 0.3975 | 0.5838 / 0.4582 | 0.5844 / 0.4617 | 0.5874 / 0.4651 |
| HyperKDMA+DE | 0.5477 / 0.4074 | 0.5443 / 0.3948 | 0.5911 / 0.4655 | 0.5928 / 0.4683 | 0.5949 / 0.4723 |
| PHR | 0.5431 / 0.404 | 0.5412 / 0.4007 | 0.5856 / 0.4603 | 0.5867 / 0.4622 | 0.5897 / 0.4666 |
| TAKD+PHR | 0.5466 / 0.4062 | 0.5448 / 0.4029 | 0.5874 / 0.4627 | 0.5891 / 0.4645 | 0.5934 / 0.4692 |
| DGKD+PHR | 0.5497 / 0.4098 | 0.5495 / 0.4058 | 0.5914 / 0.4658 | 0.5935 / 0.4677 | 0.5968 / 0.4723 |
| HyperKDMA+PHR | 0.5569 / 0.4164 | 0.5554 / 0.4126 | 0.5988 / 0.4725 | 0.6011 / 0.4747 | 0.6038 / 0.4798 |`;

type PaperMetric = keyof Pick<Metrics, 'H5' | 'H10' | 'N5' | 'N10'>;
export type PaperValues = Partial<Record<PaperMetric, number>>;
/** Row name → base model → values. */
type PaperTable = Map<string, Map<string, PaperValues>>;

/** Table 4's "w/o HNet" / "w/o GNet" rows are named after the HyperKDMA row above them. */
function parse(text: string, metrics: PaperMetric[]): PaperTable {
  const table: PaperTable = new Map();
  let group = '';
  for (const line of text.trim().split('\n')) {
    const [name, ...cells] = line
      .split('|')
      .slice(1, -1)
      .map((s) => s.trim());
    if (name.startsWith('HyperKDMA')) group = name;
    const values = cells.map((c) =>
      Object.fromEntries(c.split('/').map((v, j) => [metrics[j], +v])),
    );
    table.set(
      name.startsWith('w/o') ? `${group} ${name}` : name,
      new Map(values.map((v, k) => [MODELS[k], v])),
    );
  }
  return table;
}

const TABLE2: PaperMetric[] = ['H5', 'H10', 'N5', 'N10'];
const SHORT: PaperMetric[] = ['H5', 'N5'];

export interface PaperSetting {
  id: 'citeulike' | 'foursquare' | 'movielens-20m';
  name: string;
  /** The sizes the paper trained every row at (NeuMF's differ on CiteULike and Foursquare). */
  dims(model: string): { teacher: number; student: number };
  /** Searched in order: a row found in the first table is not looked up in the next. */
  tables: { source: string; rows: PaperTable }[];
}

const table2Dims = (model: string) =>
  model === 'NeuMF' ? { teacher: 250, student: 25 } : { teacher: 200, student: 20 };

export const PAPER_SETTINGS: PaperSetting[] = [
  {
    id: 'citeulike',
    name: 'CiteULike',
    dims: table2Dims,
    tables: [
      { source: 'Table 2', rows: parse(TABLE2_CITEULIKE, TABLE2) },
      { source: 'Table 4', rows: parse(TABLE4_CITEULIKE, SHORT) },
    ],
  },
  {
    id: 'foursquare',
    name: 'Foursquare',
    dims: table2Dims,
    tables: [
      { source: 'Table 2', rows: parse(TABLE2_FOURSQUARE, TABLE2) },
      { source: 'Table 4', rows: parse(TABLE4_FOURSQUARE, SHORT) },
    ],
  },
  {
    id: 'movielens-20m',
    name: 'MovieLens-20M',
    dims: () => ({ teacher: 100, student: 10 }),
    tables: [{ source: 'Table 5', rows: parse(TABLE5_MOVIELENS, SHORT) }],
  },
];

/** The paper's TA methods use m = 8 teacher assistants. */
export const PAPER_TAS = 8;

/** The setting a dataset name refers to ("citeulike-a", "MovieLens 20M", "ml-20m"), if any. */
export function paperSettingFor(datasetName: string): PaperSetting | undefined {
  const key = datasetName.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (key.includes('citeulike')) return PAPER_SETTINGS[0];
  if (key.includes('foursquare')) return PAPER_SETTINGS[1];
  if (/^(movielens|ml)20m/.test(key)) return PAPER_SETTINGS[2];
  return undefined;
}

/** The paper's name of a distillation run's row: "TAKD+DE", "HyperKDMA+DE w/o GNet", … */
function paperMethod(run: RunInfo): string | null {
  const facts = methodFacts(run.method);
  // A variant is not what the paper ran.
  if (!facts || variantOf(run) !== '') return null;
  const name = facts.paperName;
  if (!facts.generatesTas) return name;
  const gate = run.config.gate !== false;
  const hnet = (run.config.taSource ?? 'hypernet') === 'hypernet';
  if (gate && hnet) return name;
  // Without both parts the paper has no row.
  return gate === hnet ? null : `${name} ${gate ? 'w/o HNet' : 'w/o GNet'}`;
}

export interface PaperRow {
  row: string;
  source: string;
  values: PaperValues;
}

/**
 * The paper's row that a run reproduces: the same base model at the paper's sizes (a distilled
 * run's teacher too, `teacherDim`), with m = 8 TAs for the TA methods. Other hyperparameters are
 * not compared.
 */
export function paperRow(
  setting: PaperSetting,
  run: RunInfo,
  teacherDim: number | null,
): PaperRow | null {
  const dims = setting.dims(run.model);
  let row: string | null = null;
  if (run.kind === 'train') {
    const d = run.config.dim;
    row = d === dims.teacher ? 'Teacher' : d === dims.student ? 'Student' : null;
  } else {
    const taDims = run.config.taDims;
    if (run.config.studentDim !== dims.student || teacherDim !== dims.teacher) return null;
    if (taDims && taDims.length !== PAPER_TAS) return null;
    row = paperMethod(run);
  }
  for (const t of setting.tables) {
    const values = row === null ? undefined : t.rows.get(row)?.get(run.model);
    if (values) return { row: row!, source: t.source, values };
  }
  return null;
}

/** The setting every one of these dataset names refers to, if they agree on one. */
export function commonPaperSetting(datasetNames: string[]): PaperSetting | undefined {
  const ids = new Set(datasetNames.map((n) => paperSettingFor(n)?.id));
  return ids.size === 1 ? PAPER_SETTINGS.find((p) => ids.has(p.id)) : undefined;
}

/** `paperRow` for any run, finding a distilled run's teacher (and its size) by id. */
export function paperRows(
  setting: PaperSetting,
  runById: (id: number) => RunInfo | undefined,
): (run: RunInfo) => PaperRow | null {
  return (run) => {
    const dim = run.teacherRunId === null ? undefined : runById(run.teacherRunId)?.config.dim;
    return paperRow(setting, run, typeof dim === 'number' ? dim : null);
  };
}
