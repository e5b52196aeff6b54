import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Choice, Condition, JsonPath, type IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { deadLetterStep, forEach, lambdaStep, listTownsStep, resolveDayStep, type WorkflowDefinitionProps } from './common.ts';

export interface PeriodOpeningProps extends WorkflowDefinitionProps {
  readonly resolveDay: IFunction;
  readonly listTowns: IFunction;
  readonly openPeriod: IFunction;
}

/**
 * PeriodOpening — input `{ cadence, scheduledTime }`:
 * ResolveDay → CadenceGiven? → ListTowns → ForEachTown (inline Map, MaxConcurrency 10) → OpenPeriod.
 * A town whose OpenPeriod fails is dead-lettered (SendToDeadLetterQueue); the others carry on.
 */
export function periodOpeningDefinition(scope: Construct, props: PeriodOpeningProps): IChainable {
  const { task: resolveDay, invalidInput } = resolveDayStep(scope, props.resolveDay);

  const listTowns = listTownsStep(scope, props.listTowns);

  const openPeriod = lambdaStep(scope, 'OpenPeriod', props.openPeriod, {
    comment: "Creates the town's duty instances of this cadence whose period opens today (idempotent).",
  });
  const forEachTown = forEach(scope, 'ForEachTown', {
    comment: 'Opens the period in each town.',
    itemsPath: '$.towns.towns',
    itemSelector: {
      town: JsonPath.stringAt('$$.Map.Item.Value'),
      cadence: JsonPath.stringAt('$.day.cadence'),
      date: JsonPath.stringAt('$.day.date'),
    },
    task: openPeriod,
    iteration: openPeriod,
    deadLetter: deadLetterStep(scope, 'PeriodOpening', props.deadLetterQueue),
  });

  const cadenceGiven = new Choice(scope, 'CadenceGiven', { comment: 'A period opener needs a cadence.' })
    .when(Condition.isPresent('$.day.cadence'), listTowns.next(forEachTown))
    .otherwise(invalidInput);

  return resolveDay.next(cadenceGiven);
}
