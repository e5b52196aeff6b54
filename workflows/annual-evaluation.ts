import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { townsOnTheDay, type WorkflowDefinitionProps } from './common.ts';

export interface AnnualEvaluationProps extends WorkflowDefinitionProps {
  readonly resolveDay: IFunction;
  readonly listTowns: IFunction;
  readonly annualEvaluation: IFunction;
}

/**
 * AnnualEvaluation — input `{ scheduledTime }`, scheduled at 18:00 on 20–31 December:
 * ResolveDay → IsLastWorkdayOfYear? (no: NotLastWorkdayOfYear) → ListTowns → ForEachTown → AnnualEvaluation.
 */
export function annualEvaluationDefinition(scope: Construct, props: AnnualEvaluationProps): IChainable {
  return townsOnTheDay(scope, {
    ...props,
    perTown: props.annualEvaluation,
    taskId: 'AnnualEvaluation',
    taskComment: "Computes and sends the town's annual evaluation (实绩考核) (idempotent).",
    mapComment: 'Evaluates each town.',
    dayFlag: 'lastWorkdayOfYear',
    choiceId: 'IsLastWorkdayOfYear',
    choiceComment: 'The evaluation runs on the last working day of the year only.',
    otherDayId: 'NotLastWorkdayOfYear',
  });
}
