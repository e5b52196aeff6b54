import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Choice, Condition, JsonPath, Succeed, type IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { deadLetterStep, forEach, lambdaStep, listTownsStep, resolveDayStep, type WorkflowDefinitionProps } from './common.ts';

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
  const { task: resolveDay } = resolveDayStep(scope, props.resolveDay);

  const listTowns = listTownsStep(scope, props.listTowns);
  const annualEvaluation = lambdaStep(scope, 'AnnualEvaluation', props.annualEvaluation, {
    comment: "Computes and sends the town's annual evaluation (实绩考核) (idempotent).",
  });
  const forEachTown = forEach(scope, 'ForEachTown', {
    comment: 'Evaluates each town.',
    itemsPath: '$.towns.towns',
    itemSelector: {
      town: JsonPath.stringAt('$$.Map.Item.Value'),
      date: JsonPath.stringAt('$.day.date'),
    },
    task: annualEvaluation,
    iteration: annualEvaluation,
    deadLetter: deadLetterStep(scope, 'AnnualEvaluation', props.deadLetterQueue),
  });

  const isLastWorkday = new Choice(scope, 'IsLastWorkdayOfYear', {
    comment: 'The evaluation runs on the last working day of the year only.',
  })
    .when(Condition.booleanEquals('$.day.lastWorkdayOfYear', true), listTowns.next(forEachTown))
    .otherwise(new Succeed(scope, 'NotLastWorkdayOfYear'));

  return resolveDay.next(isLastWorkday);
}
