/** Word (.docx) builders for the notice's forms 附件1–4: `(input) => Promise<Buffer>`, pure except for packing. */
export { opinionSheetDocx, type OpinionSheetDocxInput } from './opinionSheet';
export {
  rectificationConfirmationDocx,
  RECTIFICATION_CONFIRMATION_TITLE,
  type RectificationConfirmationDocxInput,
} from './rectificationConfirmation';
export { inspectionRecordDocx, type InspectionRecordDocxInput } from './inspectionRecord';
export { countyBureau, chineseDate } from './styles';
