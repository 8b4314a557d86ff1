// SYNTAX TEST "source.m4" "the m4 TextMate grammar on a complete graph"
// is fraud-v2 safe? (a plain comment)
// <-- comment.line.double-slash.m4 punctuation.definition.comment.m4

input tx:     f32[batch, 30]
// <----- storage.type.input.m4
//    ^^ variable.other.definition.input.m4
//            ^^^ support.type.dtype.m4
//               ^ punctuation.section.brackets.begin.m4
//                ^^^^^ variable.other.dimension.m4
//                       ^^ constant.numeric.m4
input label:  i64[batch, ?] optional from "meta.label" /* block */
//                       ^ constant.language.unknown-dimension.m4
//                          ^^^^^^^^ keyword.other.optional.m4
//                                   ^^^^ keyword.other.from.m4
//                                        ^^^^^^^^^^^^ string.quoted.double.m4
//                                                     ^^^^^^^^^^^ comment.block.m4

model v1 = onnx("models/fraud\u002dv1.onnx")
// <----- storage.type.model.m4
//    ^^ entity.name.type.model.m4
//       ^ keyword.operator.assignment.m4
//         ^^^^ support.function.loader.m4
//                           ^^^^^^ string.quoted.double.m4 constant.character.escape.m4

node scaled  = clip(tx, min: -6.0, max: 6.0)
// <---- storage.type.node.m4
//   ^^^^^^ entity.name.function.node.m4
//             ^^^^ support.function.op.m4
//                      ^^^ variable.parameter.m4
//                           ^^^^ constant.numeric.m4
node control = column(v1(`onnx::in`: scaled).`39`, index: 1)
//                    ^^ entity.name.function.call.m4
//                       ^^^^^^^^^^ variable.parameter.quoted.m4
//                                 ^ punctuation.separator.key-value.m4
//                                          ^ punctuation.accessor.m4
//                                           ^^^^ variable.other.property.output.m4

compare v2_vs_v1 {
// <------- storage.type.compare.m4
//      ^^^^^^^^ entity.name.type.compare.m4
//               ^ punctuation.section.block.begin.m4
  control:   control
//^^^^^^^ support.type.property-name.field.m4
//           ^^^^^^^ variable.other.m4
  task:      binary(threshold: 0.5)
//           ^^^^^^ support.constant.task.m4
//                  ^^^^^^^^^ variable.parameter.m4
  metrics:   [accuracy, auroc]
//^^^^^^^ support.type.property-name.field.m4
//            ^^^^^^^^ support.constant.metric.m4
  gate auroc.delta >= -0.005 at 95%   // non-inferiority
//^^^^ keyword.control.gate.m4
//     ^^^^^ support.constant.metric.m4
//          ^ punctuation.accessor.m4
//           ^^^^^ variable.other.property.gate-field.m4
//                 ^^ keyword.operator.comparison.m4
//                    ^^^^^^ constant.numeric.m4
//                           ^^ keyword.other.at.m4
//                                ^ keyword.other.unit.percent.m4
//                                    ^^^^^^^^^^^^^^^^^^^ comment.line.double-slash.m4
  gate treatment.recall > 0.9
//     ^^^^^^^^^ variable.language.side.m4
//               ^^^^^^ support.constant.metric.m4
  sink sqlite("results/ab.db")
//^^^^ keyword.other.sink.m4
//     ^^^^^^ support.function.sink.m4
//            ^^^^^^^^^^^^^^^ string.quoted.double.m4
}
// <- punctuation.section.block.end.m4

output score = treat
// <------ storage.type.output.m4
//     ^^^^^ entity.name.function.output.m4
//             ^^^^^ variable.other.m4 - storage.type.m4
