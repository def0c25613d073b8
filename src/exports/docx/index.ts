/** Word (.docx) builders for the notice's forms 附件1–4: `(input) => Promise<Buffer>`, pure except for packing. */
export { opinionSheetDocx, type OpinionSheetDocxInput } from './opinionSheet';
export {
  rectificationConfirmationDocx,
  RECTIFICATION_CONFIRMATION_TITLE,
  type RectificationConfirmationDocxInput,
} from './rectificationConfirmation';
export { extraRecordTitle, inspectionRecordDocx, type InspectionRecordDocxInput } from './inspectionRecord';
export { closureRecordDocx, CLOSURE_RECORD_TITLE, type ClosureRecordDocxInput } from './closureRecord';
export { countyBureau, chineseDate } from './styles';
