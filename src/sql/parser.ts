// Tokens → concrete syntax tree. A pure Chevrotain grammar: no semantic actions and no error recovery;
// cst-to-ast.ts turns the CST into the AST, and error-messages.ts phrases Chevrotain's expectations.
//
// Function calls share one permissive argument rule (plain lists, `FROM … FOR …`, `… TO unit`,
// `… AS type`, a leading DISTINCT or trim side) so that names like EXTRACT, FLOOR or SUBSTRING need not
// be reserved; the CST visitor checks that each function got the shape it understands.

import { CstParser, EOF, getLookaheadPaths, NoViableAltException, tokenMatcher, type CstNode, type IToken, type LookaheadSequence, type Rule, type TokenType } from 'chevrotain';
import { sqlErrorMessages } from './error-messages.js';
import * as t from './tokens.js';

export class SqlParser extends CstParser {
  constructor() {
    super(t.allTokens, {
      recoveryEnabled: false,
      maxLookahead: 3,
      nodeLocationTracking: 'full',
      errorMessageProvider: sqlErrorMessages,
    });
    this.performSelfAnalysis();
    this.cacheAlternationPaths();
  }

  /**
   * Chevrotain works out an alternation's lookahead paths again for every syntax error it reports there,
   * from the grammar, which made refusing a malformed script ten times as slow as compiling a good one
   * (most of it in that walk). The paths depend only on the grammar, so each alternation's are worked
   * out once and kept; the error is raised as Chevrotain raises it.
   */
  private cacheAlternationPaths(): void {
    const parser = this as unknown as ParserInternals;
    const productions = parser.getGAstProductions();
    const cache = new Map<string, LookaheadSequence[]>();
    parser.raiseNoAltException = (occurrence, customUserDescription) => {
      const ruleName = parser.getCurrRuleFullName();
      const key = `${ruleName}#${occurrence}`;
      let paths = cache.get(key);
      if (paths === undefined) {
        paths = getLookaheadPaths({ occurrence, rule: productions[ruleName]!, prodType: 'Alternation', maxLookahead: parser.maxLookahead });
        cache.set(key, paths);
      }
      const actual = Array.from({ length: parser.maxLookahead }, (_v, i) => this.LA(i + 1));
      const previous = this.LA(0);
      const message = parser.errorMessageProvider.buildNoViableAltMessage({
        expectedPathsPerAlt: paths,
        actual,
        previous,
        ...(customUserDescription === undefined ? {} : { customUserDescription }),
        ruleName,
      });
      throw parser.SAVE_ERROR(new NoViableAltException(message, this.LA(1), previous));
    };
  }

  // script := statement? (';' statement?)*
  readonly script = this.RULE('script', () => {
    this.OPTION(() => this.SUBRULE(this.statement));
    this.MANY(() => {
      this.CONSUME(t.Semicolon);
      this.OPTION2(() => this.SUBRULE2(this.statement));
    });
  });

  readonly statement = this.RULE('statement', () => {
    this.OR([
      { GATE: () => this.LA(2).tokenType === t.Or, ALT: () => this.SUBRULE(this.createOrReplace) },
      { ALT: () => this.SUBRULE(this.createStream) },
      { ALT: () => this.SUBRULE(this.createTable) },
      { ALT: () => this.SUBRULE(this.createView) },
      { ALT: () => this.SUBRULE(this.createFunction) },
      { ALT: () => this.SUBRULE(this.dropFunction) },
      { ALT: () => this.SUBRULE(this.dropStream) },
      { ALT: () => this.SUBRULE(this.dropTable) },
      { ALT: () => this.SUBRULE(this.dropView) },
      { ALT: () => this.SUBRULE(this.alterTable) },
      { ALT: () => this.SUBRULE(this.showStatement) },
      { ALT: () => this.SUBRULE(this.setStatement) },
      { ALT: () => this.SUBRULE(this.describeStatement) },
      { ALT: () => this.SUBRULE(this.explainStatement) },
      { ALT: () => this.SUBRULE(this.insertStatement) },
      { ALT: () => this.SUBRULE(this.query) },
    ]);
  });

  // Kinesis Data Analytics: CREATE OR REPLACE STREAM name (column …) [WITH (…)], and
  // CREATE OR REPLACE PUMP name AS INSERT INTO stream [(col, …)] SELECT [STREAM] …
  readonly createOrReplace = this.RULE('createOrReplace', () => {
    this.CONSUME(t.Create);
    this.CONSUME(t.Or);
    this.CONSUME(t.Replace);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.Stream);
          this.SUBRULE(this.identifier, { LABEL: 'streamName' });
          this.CONSUME(t.LParen);
          this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.tableElement) });
          this.CONSUME(t.RParen);
          this.OPTION(() => this.SUBRULE(this.withOptions));
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.Pump);
          this.SUBRULE2(this.identifier, { LABEL: 'pumpName' });
          this.CONSUME(t.As);
          this.SUBRULE(this.insertStatement);
        },
      },
    ]);
  });

  // CREATE STREAM name [(column …)] [WITH (…)] [AS SELECT …]
  readonly createStream = this.RULE('createStream', () => {
    this.CONSUME(t.Create);
    this.CONSUME(t.Stream);
    this.OPTION({
      GATE: () => this.LA(2).tokenType === t.Not,
      DEF: () => {
        this.CONSUME(t.If, { LABEL: 'ifNotExists' });
        this.CONSUME(t.Not);
        this.CONSUME(t.Exists);
      },
    });
    this.SUBRULE(this.identifier, { LABEL: 'streamName' });
    this.OPTION2(() => {
      this.CONSUME(t.LParen);
      this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.tableElement) });
      this.CONSUME(t.RParen);
    });
    this.OPTION3(() => this.SUBRULE(this.withOptions));
    this.OPTION4(() => {
      this.CONSUME(t.As);
      this.SUBRULE(this.query);
    });
  });

  // CREATE TABLE [IF NOT EXISTS] name (column …, [PRIMARY KEY (…)], [WATERMARK …]) [WITH (…)]: Flink's
  // connector tables (see connector-tables.ts) and Eddy's reference and versioned tables (tables.ts).
  readonly createTable = this.RULE('createTable', () => {
    this.CONSUME(t.Create);
    this.CONSUME(t.Table);
    this.OPTION({
      GATE: () => this.LA(2).tokenType === t.Not,
      DEF: () => {
        this.CONSUME(t.If, { LABEL: 'ifNotExists' });
        this.CONSUME(t.Not);
        this.CONSUME(t.Exists);
      },
    });
    this.SUBRULE(this.identifier, { LABEL: 'tableName' });
    this.CONSUME(t.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.tableElement) });
    this.CONSUME(t.RParen);
    this.OPTION3(() => this.SUBRULE(this.withOptions));
  });

  readonly tableElement = this.RULE('tableElement', () => {
    this.OR({
      // PRIMARY KEY (a, b) — unless `primary` is a column of type `key(…)`, which takes a number.
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => this.LA(1).tokenType === t.Primary && this.LA(2).tokenType === t.Key && this.LA(3).tokenType === t.LParen && this.LA(4).tokenType !== t.IntegerLiteral,
          ALT: () => this.SUBRULE(this.primaryKeyConstraint),
        },
        { ALT: () => this.SUBRULE(this.watermarkDefinition) },
        { ALT: () => this.SUBRULE(this.computedColumn) },
        { ALT: () => this.SUBRULE(this.columnDefinition) },
      ],
    });
  });

  // PRIMARY KEY (a, b) [NOT ENFORCED]
  readonly primaryKeyConstraint = this.RULE('primaryKeyConstraint', () => {
    this.CONSUME(t.Primary);
    this.CONSUME(t.Key);
    this.CONSUME(t.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.identifier, { LABEL: 'column' }) });
    this.CONSUME(t.RParen);
    this.OPTION(() => {
      this.CONSUME(t.Not);
      this.CONSUME(t.Enforced);
    });
  });

  // cost AS price * qty, proc_time AS PROCTIME()
  readonly computedColumn = this.RULE('computedColumn', () => {
    this.SUBRULE(this.identifier);
    this.CONSUME(t.As);
    this.SUBRULE(this.expression);
  });

  // WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
  readonly watermarkDefinition = this.RULE('watermarkDefinition', () => {
    this.CONSUME(t.Watermark);
    this.CONSUME(t.For);
    this.SUBRULE(this.identifier, { LABEL: 'column' });
    this.CONSUME(t.As);
    this.SUBRULE(this.expression);
  });

  // user_id VARCHAR PATH '$.payload.user.id' [PRIMARY KEY [NOT ENFORCED]]
  readonly columnDefinition = this.RULE('columnDefinition', () => {
    this.SUBRULE(this.identifier);
    this.SUBRULE(this.dataType);
    this.OPTION(() => {
      this.CONSUME(t.Path);
      this.CONSUME(t.StringLiteral, { LABEL: 'path' });
    });
    this.OPTION2(() => {
      this.CONSUME(t.Primary);
      this.CONSUME(t.Key);
      this.OPTION3(() => {
        this.CONSUME(t.Not);
        this.CONSUME(t.Enforced);
      });
    });
  });

  // VARCHAR, VARCHAR(20), DOUBLE PRECISION, TIMESTAMP(3)
  readonly dataType = this.RULE('dataType', () => {
    this.SUBRULE(this.identifier, { LABEL: 'typeName' });
    this.OPTION(() => this.CONSUME(t.Precision));
    this.OPTION2(() => {
      this.CONSUME(t.LParen);
      this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.CONSUME(t.IntegerLiteral, { LABEL: 'typeParam' }) });
      this.CONSUME(t.RParen);
    });
  });

  // WITH (shards = 2, 'format' = 'csv', csv.delimiter = ';')
  readonly withOptions = this.RULE('withOptions', () => {
    this.CONSUME(t.With);
    this.CONSUME(t.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.optionEntry) });
    this.CONSUME(t.RParen);
  });

  readonly optionEntry = this.RULE('optionEntry', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.StringLiteral, { LABEL: 'quotedKey' }) },
      {
        ALT: () => {
          this.SUBRULE(this.identifier, { LABEL: 'keyPart' });
          this.MANY(() => {
            this.CONSUME(t.Dot);
            this.SUBRULE2(this.identifier, { LABEL: 'keyPart' });
          });
        },
      },
    ]);
    this.CONSUME(t.Equals);
    this.OR2([
      { ALT: () => this.SUBRULE(this.literal, { LABEL: 'value' }) },
      { ALT: () => this.SUBRULE3(this.identifier, { LABEL: 'wordValue' }) },
    ]);
  });

  // CREATE [TEMPORARY] VIEW [IF NOT EXISTS] name [(col, …)] AS SELECT …
  readonly createView = this.RULE('createView', () => {
    this.CONSUME(t.Create);
    this.OPTION(() => this.CONSUME(t.Temporary));
    this.CONSUME(t.View);
    this.OPTION2({
      GATE: () => this.LA(2).tokenType === t.Not,
      DEF: () => {
        this.CONSUME(t.If, { LABEL: 'ifNotExists' });
        this.CONSUME(t.Not);
        this.CONSUME(t.Exists);
      },
    });
    this.SUBRULE(this.identifier, { LABEL: 'viewName' });
    this.OPTION3(() => {
      this.CONSUME(t.LParen);
      this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE2(this.identifier, { LABEL: 'column' }) });
      this.CONSUME(t.RParen);
    });
    this.CONSUME(t.As);
    this.SUBRULE(this.query);
  });

  // CREATE [TEMPORARY] FUNCTION [IF NOT EXISTS] name AS 'module.js' [LANGUAGE JAVASCRIPT | TYPESCRIPT] [RETURNS type]
  readonly createFunction = this.RULE('createFunction', () => {
    this.CONSUME(t.Create);
    this.OPTION(() => this.CONSUME(t.Temporary));
    this.CONSUME(t.FunctionKeyword);
    this.OPTION2({
      GATE: () => this.LA(2).tokenType === t.Not,
      DEF: () => {
        this.CONSUME(t.If, { LABEL: 'ifNotExists' });
        this.CONSUME(t.Not);
        this.CONSUME(t.Exists);
      },
    });
    this.SUBRULE(this.identifier, { LABEL: 'functionName' });
    this.CONSUME(t.As);
    this.CONSUME(t.StringLiteral, { LABEL: 'module' });
    this.OPTION3(() => {
      this.CONSUME(t.Language);
      this.SUBRULE2(this.identifier, { LABEL: 'language' });
    });
    this.OPTION4(() => {
      this.CONSUME(t.Returns);
      this.SUBRULE(this.dataType);
    });
  });

  // DROP [TEMPORARY] FUNCTION [IF EXISTS] name
  readonly dropFunction = this.RULE('dropFunction', () => {
    this.CONSUME(t.Drop);
    this.OPTION(() => this.CONSUME(t.Temporary));
    this.CONSUME(t.FunctionKeyword);
    this.OPTION2({
      GATE: () => this.LA(2).tokenType === t.Exists,
      DEF: () => {
        this.CONSUME(t.If, { LABEL: 'ifExists' });
        this.CONSUME(t.Exists);
      },
    });
    this.SUBRULE(this.identifier, { LABEL: 'functionName' });
  });

  // DROP [TEMPORARY] VIEW [IF EXISTS] name
  readonly dropView = this.RULE('dropView', () => {
    this.CONSUME(t.Drop);
    this.OPTION(() => this.CONSUME(t.Temporary));
    this.CONSUME(t.View);
    this.OPTION2({
      GATE: () => this.LA(2).tokenType === t.Exists,
      DEF: () => {
        this.CONSUME(t.If, { LABEL: 'ifExists' });
        this.CONSUME(t.Exists);
      },
    });
    this.SUBRULE(this.identifier, { LABEL: 'viewName' });
  });

  readonly dropStream = this.RULE('dropStream', () => {
    this.CONSUME(t.Drop);
    this.CONSUME(t.Stream);
    this.OPTION({
      GATE: () => this.LA(2).tokenType === t.Exists,
      DEF: () => {
        this.CONSUME(t.If, { LABEL: 'ifExists' });
        this.CONSUME(t.Exists);
      },
    });
    this.SUBRULE(this.identifier, { LABEL: 'streamName' });
  });

  readonly dropTable = this.RULE('dropTable', () => {
    this.CONSUME(t.Drop);
    this.CONSUME(t.Table);
    this.OPTION({
      GATE: () => this.LA(2).tokenType === t.Exists,
      DEF: () => {
        this.CONSUME(t.If, { LABEL: 'ifExists' });
        this.CONSUME(t.Exists);
      },
    });
    this.SUBRULE(this.identifier, { LABEL: 'tableName' });
  });

  // ALTER TABLE name REFRESH
  readonly alterTable = this.RULE('alterTable', () => {
    this.CONSUME(t.Alter);
    this.CONSUME(t.Table);
    this.SUBRULE(this.identifier, { LABEL: 'tableName' });
    this.CONSUME(t.Refresh);
  });

  // SET 'key' = 'value', as Flink's SQL client takes it: an option for the statements after it in the script.
  readonly setStatement = this.RULE('setStatement', () => {
    this.CONSUME(t.SetOption);
    this.CONSUME(t.StringLiteral, { LABEL: 'key' });
    this.CONSUME(t.Equals);
    this.CONSUME2(t.StringLiteral, { LABEL: 'value' });
  });

  readonly showStatement = this.RULE('showStatement', () => {
    this.CONSUME(t.Show);
    this.OR([
      { ALT: () => this.CONSUME(t.Streams) },
      { ALT: () => this.CONSUME(t.Queries) },
      { ALT: () => this.CONSUME(t.Views) },
      { ALT: () => this.CONSUME(t.Tables) },
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(t.User));
          this.CONSUME(t.Functions);
        },
      },
    ]);
  });

  readonly describeStatement = this.RULE('describeStatement', () => {
    this.CONSUME(t.Describe);
    // DESCRIBE STREAM x, but DESCRIBE stream names a stream called "stream".
    this.OPTION({
      GATE: () => isName(this.LA(2)),
      DEF: () => this.OR([{ ALT: () => this.CONSUME(t.Stream) }, { ALT: () => this.CONSUME(t.Table) }]),
    });
    this.SUBRULE(this.identifier, { LABEL: 'streamName' });
  });

  readonly explainStatement = this.RULE('explainStatement', () => {
    this.CONSUME(t.Explain);
    // EXPLAIN CODEGEN also prints the JavaScript the query's operators generate.
    this.OPTION(() => this.CONSUME(t.Codegen));
    this.OR([{ ALT: () => this.SUBRULE(this.insertStatement) }, { ALT: () => this.SUBRULE(this.query) }]);
  });

  readonly insertStatement = this.RULE('insertStatement', () => {
    this.CONSUME(t.Insert);
    this.CONSUME(t.Into);
    this.SUBRULE(this.identifier, { LABEL: 'streamName' });
    this.OPTION(() => {
      this.CONSUME(t.LParen);
      this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE2(this.identifier, { LABEL: 'column' }) });
      this.CONSUME(t.RParen);
    });
    this.SUBRULE(this.query);
  });

  // SELECT … FROM … [WHERE …] [GROUP BY …] [HAVING …] [EMIT …] [WITH (option = value, …)]
  readonly query = this.RULE('query', () => {
    this.CONSUME(t.Select);
    // KDA's SELECT STREAM: every query here is continuous, so the word changes nothing. Taken as the
    // keyword only where it cannot be a column named stream (`SELECT stream, …`, `SELECT stream AS s`).
    this.OPTION8({ GATE: () => this.startsSelectStream(), DEF: () => this.CONSUME(t.Stream, { LABEL: 'selectStream' }) });
    this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.selectItem) });
    this.CONSUME(t.From);
    this.SUBRULE(this.fromItem);
    this.MANY(() => this.SUBRULE(this.joinClause));
    this.OPTION(() => {
      this.CONSUME(t.Where);
      this.SUBRULE(this.expression, { LABEL: 'where' });
    });
    // KDA's stagger windows, in place of GROUP BY: WINDOWED BY STAGGER (PARTITION BY … RANGE INTERVAL …).
    this.OPTION9(() => {
      this.CONSUME(t.Windowed);
      this.CONSUME2(t.By);
      this.CONSUME(t.Stagger);
      this.CONSUME(t.LParen, { LABEL: 'staggerOpen' });
      this.CONSUME(t.Partition);
      this.CONSUME3(t.By);
      this.AT_LEAST_ONE_SEP4({ SEP: t.Comma, DEF: () => this.SUBRULE5(this.expression, { LABEL: 'staggerPartition' }) });
      this.CONSUME(t.Range);
      this.SUBRULE(this.intervalLiteral, { LABEL: 'staggerRange' });
      this.CONSUME(t.RParen, { LABEL: 'staggerClose' });
    });
    this.OPTION2(() => {
      this.CONSUME(t.Group);
      this.CONSUME(t.By);
      this.AT_LEAST_ONE_SEP2({
        SEP: t.Comma,
        DEF: () =>
          this.OR([
            { GATE: () => this.startsGroupingSets(), ALT: () => this.SUBRULE(this.groupingSets, { LABEL: 'groupingElement' }) },
            { ALT: () => this.SUBRULE2(this.expression, { LABEL: 'groupBy' }) },
          ]),
      });
    });
    this.OPTION3(() => {
      this.CONSUME(t.Having);
      this.SUBRULE3(this.expression, { LABEL: 'having' });
    });
    this.OPTION4(() => {
      this.CONSUME(t.Window);
      this.AT_LEAST_ONE_SEP3({ SEP: t.Comma, DEF: () => this.SUBRULE(this.namedWindow) });
    });
    this.OPTION5(() => {
      this.CONSUME(t.Qualify);
      this.SUBRULE4(this.expression, { LABEL: 'qualify' });
    });
    // When results go out: EMIT ON WINDOW CLOSE, EMIT CHANGES [EVERY INTERVAL …] (emit-clause.ts).
    this.OPTION6(() => this.SUBRULE(this.emitClause));
    // Options of the running query (bad_records, allowed_lateness, late_rows); the compiler takes them on the outermost SELECT only.
    this.OPTION7(() => this.SUBRULE(this.withOptions));
  });

  // OVER windows: `OVER (PARTITION BY … ORDER BY … frame)`, `OVER w` and `WINDOW w AS (…)`.
  readonly overClause = this.RULE('overClause', () => {
    this.CONSUME(t.Over);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.LParen);
          this.SUBRULE(this.windowSpecification);
          this.CONSUME(t.RParen);
        },
      },
      { ALT: () => this.SUBRULE(this.identifier, { LABEL: 'windowName' }) },
    ]);
  });

  readonly namedWindow = this.RULE('namedWindow', () => {
    this.SUBRULE(this.identifier, { LABEL: 'windowName' });
    this.CONSUME(t.As);
    this.CONSUME(t.LParen);
    this.SUBRULE(this.windowSpecification);
    this.CONSUME(t.RParen);
  });

  readonly windowSpecification = this.RULE('windowSpecification', () => {
    this.OPTION(() => {
      this.CONSUME(t.Partition);
      this.CONSUME(t.By);
      this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'partitionBy' }) });
    });
    this.OPTION2(() => {
      this.CONSUME(t.Order);
      this.CONSUME2(t.By);
      this.AT_LEAST_ONE_SEP2({ SEP: t.Comma, DEF: () => this.SUBRULE(this.orderItem) });
    });
    this.OPTION3(() => this.SUBRULE(this.windowFrame));
  });

  // ts DESC NULLS LAST
  readonly orderItem = this.RULE('orderItem', () => {
    this.SUBRULE(this.expression);
    this.OPTION(() => this.OR([{ ALT: () => this.CONSUME(t.Asc, { LABEL: 'direction' }) }, { ALT: () => this.CONSUME(t.Desc, { LABEL: 'direction' }) }]));
    this.OPTION2(() => {
      this.CONSUME(t.Nulls);
      this.OR2([{ ALT: () => this.CONSUME(t.First, { LABEL: 'nulls' }) }, { ALT: () => this.CONSUME(t.Last, { LABEL: 'nulls' }) }]);
    });
  });

  // ROWS BETWEEN 5 PRECEDING AND CURRENT ROW, RANGE INTERVAL '10' MINUTE PRECEDING
  readonly windowFrame = this.RULE('windowFrame', () => {
    this.OR([{ ALT: () => this.CONSUME(t.Rows, { LABEL: 'unit' }) }, { ALT: () => this.CONSUME(t.Range, { LABEL: 'unit' }) }]);
    this.OR2([
      {
        ALT: () => {
          this.CONSUME(t.Between);
          this.SUBRULE(this.frameBound, { LABEL: 'start' });
          this.CONSUME(t.And);
          this.SUBRULE2(this.frameBound, { LABEL: 'end' });
        },
      },
      { ALT: () => this.SUBRULE3(this.frameBound, { LABEL: 'start' }) },
    ]);
  });

  // Offsets are literals, as in Flink: a number of rows or an INTERVAL.
  readonly frameBound = this.RULE('frameBound', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.Unbounded);
          this.OR2([{ ALT: () => this.CONSUME(t.Preceding, { LABEL: 'side' }) }, { ALT: () => this.CONSUME(t.Following, { LABEL: 'side' }) }]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.Current);
          this.CONSUME(t.Row);
        },
      },
      {
        ALT: () => {
          this.OR3([{ ALT: () => this.CONSUME(t.IntegerLiteral, { LABEL: 'rows' }) }, { ALT: () => this.SUBRULE(this.intervalLiteral) }]);
          this.OR4([{ ALT: () => this.CONSUME2(t.Preceding, { LABEL: 'side' }) }, { ALT: () => this.CONSUME2(t.Following, { LABEL: 'side' }) }]);
        },
      },
    ]);
  });

  // GROUPING SETS ((a, b), a, ()), ROLLUP(a, (b, c)), CUBE(a, b), or a parenthesized list (a, b) or ()
  readonly groupingSets = this.RULE('groupingSets', () => {
    this.OR([
      {
        GATE: () => this.LA(2).tokenType === t.Sets,
        ALT: () => {
          this.CONSUME(t.Grouping, { LABEL: 'form' });
          this.CONSUME(t.Sets);
          this.CONSUME(t.LParen);
          this.AT_LEAST_ONE_SEP({
            SEP: t.Comma,
            DEF: () =>
              this.OR2([
                { GATE: () => this.startsGroupingSets(), ALT: () => this.SUBRULE(this.groupingSets, { LABEL: 'item' }) },
                { ALT: () => this.SUBRULE(this.expression, { LABEL: 'item' }) },
              ]),
          });
          this.CONSUME(t.RParen);
        },
      },
      {
        ALT: () => {
          this.OR3([{ ALT: () => this.CONSUME(t.Rollup, { LABEL: 'form' }) }, { ALT: () => this.CONSUME(t.Cube, { LABEL: 'form' }) }]);
          this.CONSUME2(t.LParen);
          this.AT_LEAST_ONE_SEP2({
            SEP: t.Comma,
            DEF: () =>
              this.OR4([
                { GATE: () => this.startsTuple(), ALT: () => this.SUBRULE(this.groupingTuple, { LABEL: 'item' }) },
                { ALT: () => this.SUBRULE2(this.expression, { LABEL: 'item' }) },
              ]),
          });
          this.CONSUME2(t.RParen);
        },
      },
      { ALT: () => this.SUBRULE2(this.groupingTuple, { LABEL: 'tuple' }) },
    ]);
  });

  // (a, b) or (): a set of grouping columns written together
  readonly groupingTuple = this.RULE('groupingTuple', () => {
    this.CONSUME(t.LParen);
    this.MANY_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'column' }) });
    this.CONSUME(t.RParen);
  });

  /**
   * STREAM right after SELECT is KDA's SELECT STREAM when what follows it cannot continue a column named
   * stream: a name, `*` then FROM or a comma, a literal, CASE, CAST or a parenthesis. (`SELECT stream alias` without AS
   * reads as SELECT STREAM too; `SELECT stream, …`, `SELECT stream FROM`, `SELECT stream + 1` and
   * `SELECT stream AS s` read the column.)
   */
  private startsSelectStream(): boolean {
    if (this.LA(1).tokenType !== t.Stream) return false;
    const next = this.LA(2);
    const type = next.tokenType;
    if (type === t.Star) return this.LA(3).tokenType === t.From || this.LA(3).tokenType === t.Comma;
    return (
      isName(next) ||
      type === t.StringLiteral ||
      type === t.IntegerLiteral ||
      type === t.DecimalLiteral ||
      type === t.Case ||
      type === t.Cast ||
      type === t.LParen
    );
  }

  /** GROUPING SETS (, ROLLUP (, CUBE ( or a parenthesized list that is not one parenthesized expression. */
  private startsGroupingSets(): boolean {
    const first = this.LA(1).tokenType;
    if (first === t.Grouping) return this.LA(2).tokenType === t.Sets && this.LA(3).tokenType === t.LParen;
    if (first === t.Rollup || first === t.Cube) return this.LA(2).tokenType === t.LParen;
    return this.startsTuple();
  }

  /** `(` … `)` holding nothing or a comma at its own depth: a list of columns, not an expression. */
  private startsTuple(): boolean {
    if (this.LA(1).tokenType !== t.LParen) return false;
    let depth = 0;
    for (let i = 1; ; i++) {
      const type = this.LA(i).tokenType;
      if (type === EOF) return false;
      if (type === t.LParen) depth++;
      else if (type === t.RParen) {
        if (--depth === 0) return i === 2;
      } else if (type === t.Comma && depth === 1) return true;
    }
  }

  // EMIT followed by words and an optional interval; the CST visitor says which shapes mean something,
  // so an unsupported one (EMIT FINAL, EMIT AFTER WATERMARK) is refused by name rather than as a syntax error.
  readonly emitClause = this.RULE('emitClause', () => {
    this.CONSUME(t.Emit);
    this.AT_LEAST_ONE(() => {
      this.OR([{ ALT: () => this.CONSUME(t.On, { LABEL: 'word' }) }, { ALT: () => this.SUBRULE(this.identifier, { LABEL: 'emitWord' }) }]);
    });
    this.OPTION(() => this.SUBRULE(this.intervalLiteral, { LABEL: 'every' }));
  });

  readonly selectItem = this.RULE('selectItem', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.Star) },
      {
        // c.*
        GATE: () => this.LA(2).tokenType === t.Dot && this.LA(3).tokenType === t.Star,
        ALT: () => {
          this.SUBRULE(this.identifier, { LABEL: 'qualifier' });
          this.CONSUME(t.Dot);
          this.CONSUME2(t.Star, { LABEL: 'qualifiedStar' });
        },
      },
      {
        ALT: () => {
          this.SUBRULE(this.expression);
          this.OPTION(() => this.SUBRULE(this.alias));
        },
      },
    ]);
  });

  readonly alias = this.RULE('alias', () => {
    this.OPTION(() => this.CONSUME(t.As));
    this.SUBRULE(this.identifier);
  });

  // , b | [INNER | LEFT [OUTER] | RIGHT [OUTER] | FULL [OUTER] | CROSS | NATURAL] JOIN b [ON … | USING (…)]
  readonly joinClause = this.RULE('joinClause', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.Comma) },
      {
        ALT: () => {
          this.OPTION(() => {
            this.OR2([
              { ALT: () => this.CONSUME(t.Inner, { LABEL: 'joinKind' }) },
              { ALT: () => this.CONSUME(t.Cross, { LABEL: 'joinKind' }) },
              { ALT: () => this.CONSUME(t.Natural, { LABEL: 'joinKind' }) },
              {
                ALT: () => {
                  this.OR3([
                    { ALT: () => this.CONSUME(t.Left, { LABEL: 'joinKind' }) },
                    { ALT: () => this.CONSUME(t.Right, { LABEL: 'joinKind' }) },
                    { ALT: () => this.CONSUME(t.Full, { LABEL: 'joinKind' }) },
                  ]);
                  this.OPTION2(() => this.CONSUME(t.Outer));
                },
              },
            ]);
          });
          this.CONSUME(t.Join);
        },
      },
    ]);
    this.SUBRULE(this.fromItem);
    this.OPTION3(() => {
      this.OR4([
        {
          ALT: () => {
            this.CONSUME(t.On);
            this.SUBRULE(this.expression, { LABEL: 'on' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(t.Using);
            this.CONSUME(t.LParen);
            this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.identifier, { LABEL: 'using' }) });
            this.CONSUME(t.RParen);
          },
        },
      ]);
    });
  });

  readonly fromItem = this.RULE('fromItem', () => {
    this.OR([
      {
        // TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
        ALT: () => {
          this.CONSUME(t.Table);
          this.CONSUME(t.LParen);
          this.SUBRULE(this.identifier, { LABEL: 'function' });
          this.CONSUME2(t.LParen);
          this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.tableFunctionArgument) });
          this.CONSUME(t.RParen);
          this.CONSUME2(t.RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME3(t.LParen);
          this.SUBRULE(this.query);
          this.CONSUME3(t.RParen);
        },
      },
      {
        ALT: () => {
          this.SUBRULE2(this.identifier, { LABEL: 'streamName' });
          // cards FOR SYSTEM_TIME AS OF o.ts: the version of a table as of a row's time
          this.OPTION2(() => {
            this.CONSUME(t.For);
            this.CONSUME(t.SystemTime);
            this.CONSUME(t.As, { LABEL: 'asOfAs' });
            this.CONSUME(t.Of);
            this.SUBRULE(this.expression, { LABEL: 'asOf' });
          });
        },
      },
    ]);
    // `FROM a LEFT JOIN b`: a join word after a FROM item starts a join, it is not the item's alias;
    // `FROM clicks WINDOW w AS (…)` starts the WINDOW clause and `FROM clicks EMIT CHANGES` the emit clause;
    // `FROM clicks window` and `AS emit` name an alias.
    this.OPTION({
      GATE: () =>
        !JOIN_WORDS.has(this.LA(1).tokenType) &&
        !(this.LA(1).tokenType === t.Window && isName(this.LA(2)) && this.LA(3).tokenType === t.As) &&
        // KDA's `FROM s WINDOWED BY STAGGER (…)`.
        !(this.LA(1).tokenType === t.Windowed && this.LA(2).tokenType === t.By) &&
        (this.LA(1).tokenType !== t.Emit || !(isName(this.LA(2)) || this.LA(2).tokenType === t.On)),
      DEF: () => this.SUBRULE(this.alias),
    });
  });

  // TABLE clicks [PARTITION BY user_id | PARTITION BY (user_id, url)], CURSOR(SELECT …), or an expression
  readonly tableFunctionArgument = this.RULE('tableFunctionArgument', () => {
    this.OR([
      {
        GATE: () => this.LA(2).tokenType === t.LParen && this.LA(3).tokenType === t.Select,
        ALT: () => {
          this.CONSUME(t.Cursor);
          this.CONSUME2(t.LParen, { LABEL: 'cursorOpen' });
          this.SUBRULE(this.query, { LABEL: 'cursor' });
          this.CONSUME2(t.RParen, { LABEL: 'cursorClose' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.Table);
          this.SUBRULE(this.identifier, { LABEL: 'streamName' });
          this.OPTION(() => {
            this.CONSUME(t.Partition);
            this.CONSUME(t.By);
            this.OR2([
              {
                ALT: () => {
                  this.CONSUME(t.LParen);
                  this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE2(this.identifier, { LABEL: 'partitionColumn' }) });
                  this.CONSUME(t.RParen);
                },
              },
              { ALT: () => this.SUBRULE3(this.identifier, { LABEL: 'partitionColumn' }) },
            ]);
          });
        },
      },
      { ALT: () => this.SUBRULE(this.expression) },
    ]);
  });

  readonly expression = this.RULE('expression', () => {
    this.SUBRULE(this.andExpression, { LABEL: 'operand' });
    this.MANY(() => {
      this.CONSUME(t.Or, { LABEL: 'operator' });
      this.SUBRULE2(this.andExpression, { LABEL: 'operand' });
    });
  });

  readonly andExpression = this.RULE('andExpression', () => {
    this.SUBRULE(this.notExpression, { LABEL: 'operand' });
    this.MANY(() => {
      this.CONSUME(t.And, { LABEL: 'operator' });
      this.SUBRULE2(this.notExpression, { LABEL: 'operand' });
    });
  });

  readonly notExpression = this.RULE('notExpression', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.Not);
          this.SUBRULE(this.notExpression);
        },
      },
      { ALT: () => this.SUBRULE(this.predicate) },
    ]);
  });

  // a = b, a IS [NOT] NULL, a [NOT] IN (…), a [NOT] BETWEEN b AND c, a [NOT] LIKE b
  readonly predicate = this.RULE('predicate', () => {
    this.SUBRULE(this.concatExpression, { LABEL: 'left' });
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.OR2([
              { ALT: () => this.CONSUME(t.Equals, { LABEL: 'comparison' }) },
              { ALT: () => this.CONSUME(t.NotEquals, { LABEL: 'comparison' }) },
              { ALT: () => this.CONSUME(t.Less, { LABEL: 'comparison' }) },
              { ALT: () => this.CONSUME(t.LessEquals, { LABEL: 'comparison' }) },
              { ALT: () => this.CONSUME(t.Greater, { LABEL: 'comparison' }) },
              { ALT: () => this.CONSUME(t.GreaterEquals, { LABEL: 'comparison' }) },
            ]);
            this.SUBRULE2(this.concatExpression, { LABEL: 'right' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(t.Is);
            this.OPTION2(() => this.CONSUME(t.Not, { LABEL: 'isNot' }));
            this.CONSUME(t.Null);
          },
        },
        {
          ALT: () => {
            this.OPTION3(() => this.CONSUME2(t.Not, { LABEL: 'negated' }));
            this.OR3([
              {
                ALT: () => {
                  this.CONSUME(t.In);
                  this.CONSUME(t.LParen);
                  this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'inList' }) });
                  this.CONSUME(t.RParen);
                },
              },
              {
                ALT: () => {
                  this.CONSUME(t.Between);
                  this.SUBRULE3(this.concatExpression, { LABEL: 'low' });
                  this.CONSUME(t.And);
                  this.SUBRULE4(this.concatExpression, { LABEL: 'high' });
                },
              },
              {
                ALT: () => {
                  this.CONSUME(t.Like);
                  this.SUBRULE5(this.concatExpression, { LABEL: 'pattern' });
                },
              },
            ]);
          },
        },
      ]);
    });
  });

  readonly concatExpression = this.RULE('concatExpression', () => {
    this.SUBRULE(this.additiveExpression, { LABEL: 'operand' });
    this.MANY(() => {
      this.CONSUME(t.Concat, { LABEL: 'operator' });
      this.SUBRULE2(this.additiveExpression, { LABEL: 'operand' });
    });
  });

  readonly additiveExpression = this.RULE('additiveExpression', () => {
    this.SUBRULE(this.multiplicativeExpression, { LABEL: 'operand' });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(t.Plus, { LABEL: 'operator' }) },
        { ALT: () => this.CONSUME(t.Minus, { LABEL: 'operator' }) },
      ]);
      this.SUBRULE2(this.multiplicativeExpression, { LABEL: 'operand' });
    });
  });

  readonly multiplicativeExpression = this.RULE('multiplicativeExpression', () => {
    this.SUBRULE(this.unaryExpression, { LABEL: 'operand' });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(t.Star, { LABEL: 'operator' }) },
        { ALT: () => this.CONSUME(t.Slash, { LABEL: 'operator' }) },
        { ALT: () => this.CONSUME(t.Percent, { LABEL: 'operator' }) },
      ]);
      this.SUBRULE2(this.unaryExpression, { LABEL: 'operand' });
    });
  });

  readonly unaryExpression = this.RULE('unaryExpression', () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(t.Minus, { LABEL: 'sign' }) },
            { ALT: () => this.CONSUME(t.Plus, { LABEL: 'sign' }) },
          ]);
          this.SUBRULE(this.unaryExpression);
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]);
  });

  readonly primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.literal) },
      { ALT: () => this.SUBRULE(this.intervalLiteral) },
      {
        // TIMESTAMP '2024-01-01 00:00:00'; a column named timestamp is never followed by a string
        GATE: () => this.LA(2).tokenType === t.StringLiteral,
        ALT: () => {
          this.CONSUME(t.Timestamp, { LABEL: 'typedLiteral' });
          this.CONSUME(t.StringLiteral, { LABEL: 'typedValue' });
        },
      },
      { ALT: () => this.SUBRULE(this.caseExpression) },
      {
        ALT: () => {
          this.CONSUME(t.CurrentTimestamp);
          this.OPTION(() => {
            this.CONSUME(t.LParen, { LABEL: 'emptyParens' });
            this.CONSUME(t.RParen);
          });
        },
      },
      { ALT: () => this.SUBRULE(this.castCall) },
      {
        // POSITION(needle IN text): its IN is not the IN of a predicate.
        GATE: () => this.LA(1).image.toUpperCase() === 'POSITION' && this.LA(2).tokenType === t.LParen,
        IGNORE_AMBIGUITIES: true,
        ALT: () => this.SUBRULE(this.positionCall),
      },
      { GATE: () => this.LA(2).tokenType === t.LParen, ALT: () => this.SUBRULE(this.functionCall) },
      { ALT: () => this.SUBRULE(this.columnReference) },
      {
        ALT: () => {
          this.CONSUME2(t.LParen, { LABEL: 'parenthesized' });
          this.SUBRULE(this.expression);
          this.CONSUME2(t.RParen);
        },
      },
    ]);
  });

  readonly literal = this.RULE('literal', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.IntegerLiteral) },
      { ALT: () => this.CONSUME(t.DecimalLiteral) },
      { ALT: () => this.CONSUME(t.StringLiteral) },
      { ALT: () => this.CONSUME(t.True) },
      { ALT: () => this.CONSUME(t.False) },
      { ALT: () => this.CONSUME(t.Null) },
    ]);
  });

  // INTERVAL '5' SECOND, INTERVAL 5 MINUTES, INTERVAL -'1' HOUR is not allowed: signs go outside
  readonly intervalLiteral = this.RULE('intervalLiteral', () => {
    this.CONSUME(t.Interval);
    this.OPTION(() => this.CONSUME(t.Minus, { LABEL: 'sign' }));
    this.OR([
      { ALT: () => this.CONSUME(t.StringLiteral, { LABEL: 'value' }) },
      { ALT: () => this.CONSUME(t.IntegerLiteral, { LABEL: 'value' }) },
      { ALT: () => this.CONSUME(t.DecimalLiteral, { LABEL: 'value' }) },
    ]);
    this.SUBRULE(this.identifier, { LABEL: 'unit' });
  });

  readonly caseExpression = this.RULE('caseExpression', () => {
    this.CONSUME(t.Case);
    this.OPTION(() => this.SUBRULE(this.expression, { LABEL: 'operand' }));
    this.AT_LEAST_ONE(() => {
      this.CONSUME(t.When);
      this.SUBRULE2(this.expression, { LABEL: 'when' });
      this.CONSUME(t.Then);
      this.SUBRULE3(this.expression, { LABEL: 'then' });
    });
    this.OPTION2(() => {
      this.CONSUME(t.Else);
      this.SUBRULE4(this.expression, { LABEL: 'else' });
    });
    this.CONSUME(t.End);
  });

  readonly castCall = this.RULE('castCall', () => {
    this.CONSUME(t.Cast);
    this.CONSUME(t.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(t.As);
    this.SUBRULE(this.dataType);
    this.CONSUME(t.RParen);
  });

  // f(a, b), COUNT(*), COUNT(DISTINCT x), SUBSTRING(s FROM 1 FOR 2), FLOOR(ts TO MINUTE),
  // EXTRACT(HOUR FROM ts), TRIM(LEADING 'x' FROM s), TRIM(BOTH FROM s)
  readonly functionCall = this.RULE('functionCall', () => {
    this.SUBRULE(this.identifier, { LABEL: 'function' });
    this.CONSUME(t.LParen);
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(t.Star) },
        {
          ALT: () => {
            this.OPTION2(() => {
              this.OR2([
                { ALT: () => this.CONSUME(t.Distinct, { LABEL: 'quantifier' }) },
                { ALT: () => this.CONSUME(t.All, { LABEL: 'quantifier' }) },
                { ALT: () => this.CONSUME(t.Leading, { LABEL: 'trimSide' }) },
                { ALT: () => this.CONSUME(t.Trailing, { LABEL: 'trimSide' }) },
                { ALT: () => this.CONSUME(t.Both, { LABEL: 'trimSide' }) },
              ]);
            });
            this.OR3([
              {
                ALT: () => {
                  this.CONSUME(t.From, { LABEL: 'leadingFrom' });
                  this.SUBRULE(this.expression, { LABEL: 'from' });
                },
              },
              {
                ALT: () => {
                  this.SUBRULE2(this.expression, { LABEL: 'argument' });
                  this.OPTION3(() => {
                    this.OR4([
                      {
                        ALT: () => {
                          this.AT_LEAST_ONE(() => {
                            this.CONSUME(t.Comma);
                            this.SUBRULE3(this.expression, { LABEL: 'argument' });
                          });
                        },
                      },
                      {
                        ALT: () => {
                          this.CONSUME2(t.From);
                          this.SUBRULE4(this.expression, { LABEL: 'from' });
                          this.OPTION4(() => {
                            this.CONSUME(t.For);
                            this.SUBRULE5(this.expression, { LABEL: 'for' });
                          });
                        },
                      },
                      {
                        ALT: () => {
                          this.CONSUME(t.To);
                          this.SUBRULE2(this.identifier, { LABEL: 'toUnit' });
                        },
                      },
                      {
                        // KDA's STEP(ts BY INTERVAL '10' SECOND), STEP(n BY 5)
                        ALT: () => {
                          this.CONSUME(t.By);
                          this.SUBRULE7(this.expression, { LABEL: 'by' });
                        },
                      },
                    ]);
                  });
                },
              },
            ]);
          },
        },
      ]);
    });
    this.CONSUME(t.RParen);
    // COUNT(*) FILTER (WHERE …); `FILTER` alone after a call stays an alias.
    this.OPTION6({
      GATE: () => this.LA(2).tokenType === t.LParen && this.LA(3).tokenType === t.Where,
      DEF: () => {
        this.CONSUME(t.Filter);
        this.CONSUME3(t.LParen);
        this.CONSUME(t.Where);
        this.SUBRULE6(this.expression, { LABEL: 'filter' });
        this.CONSUME3(t.RParen, { LABEL: 'filterEnd' });
      },
    });
    this.OPTION5(() => this.SUBRULE(this.overClause));
  });

  // POSITION(needle IN text), or with a comma as other functions take their arguments
  readonly positionCall = this.RULE('positionCall', () => {
    this.SUBRULE(this.identifier, { LABEL: 'function' });
    this.CONSUME(t.LParen);
    this.SUBRULE(this.concatExpression, { LABEL: 'needle' });
    this.OR([{ ALT: () => this.CONSUME(t.In) }, { ALT: () => this.CONSUME(t.Comma) }]);
    this.SUBRULE(this.expression, { LABEL: 'text' });
    this.CONSUME(t.RParen);
  });

  // col or qualifier.col
  readonly columnReference = this.RULE('columnReference', () => {
    this.SUBRULE(this.identifier, { LABEL: 'part' });
    this.OPTION(() => {
      this.CONSUME(t.Dot);
      this.SUBRULE2(this.identifier, { LABEL: 'part' });
    });
  });

  /** An unquoted name (non-reserved keywords included through the Identifier category) or a "quoted" one. */
  readonly identifier = this.RULE('identifier', () => {
    this.OR([{ ALT: () => this.CONSUME(t.Identifier) }, { ALT: () => this.CONSUME(t.QuotedIdentifier) }]);
  });
}

const JOIN_WORDS: ReadonlySet<TokenType> = new Set([t.Inner, t.Left, t.Right, t.Full, t.Cross, t.Natural, t.Using]);

function isName(token: IToken): boolean {
  return tokenMatcher(token, t.Identifier) || tokenMatcher(token, t.QuotedIdentifier);
}

/** One parser instance, reused: Chevrotain parsers are stateful but cheap to reset. */
export const sqlParser = new SqlParser();

export function parseTokens(tokens: IToken[]): CstNode {
  sqlParser.input = tokens;
  return sqlParser.script();
}

/** The parts of Chevrotain's parser that raising a no-viable-alternative error uses (not in its typings). */
interface ParserInternals {
  readonly maxLookahead: number;
  readonly errorMessageProvider: typeof sqlErrorMessages;
  getGAstProductions(): Record<string, Rule>;
  getCurrRuleFullName(): string;
  SAVE_ERROR(error: Error): Error;
  raiseNoAltException(occurrence: number, customUserDescription: string | undefined): never;
}
