/** Every sentence the bot says in chat, in one place (Simplified Chinese). */
export const MSG = {
  helpTitle: '“双随机、一公开”检查助手 · 使用帮助',
  helpIntroRegistered: (name: string, roles: string) => `您好，${name}（${roles}）。您可以向我发送以下命令（群聊中请先 @ 我）：`,
  helpIntroUnknown: (openId: string) =>
    `您好！您还没有登记在**执法检查人员名录库**中，暂时只能查看帮助。\n` +
    `请把您的飞书 OpenID 发给本局联络员登记：\`${openId}\``,
  helpIntroAdmin:
    '您好！您是系统管理员（ADMIN_OPEN_IDS），可以像市局联络员一样完成每年的准备工作：发送名录库、节假日安排和附加检查表文件，新建专项。' +
    '把自己登记进执法检查人员名录库后，其余命令按名录中的角色开放。',
  helpFooter: '命令也可以用英文别名，例如 /help。遇到问题请联系市局联络员。',
  helpDetailButton: '用法',
  badArgsTitle: '参数有误',
  noArgs: (command: string, extra: string) => `${command} 不需要参数，收到“${extra}”。请直接发送 ${command}。`,
  unknownCommandTitle: '没有听懂这条消息',
  badTextTitle: '消息无法处理',
  oversizeTitle: '内容过多',
  oversizeText: (kb: number) => `这张卡片的内容约 ${kb} KB，超过了飞书单张卡片 30 KB 的上限，无法在这里完整显示。`,
  oversizeHint:
    '需要完整内容时：检查记录请发送 **/导出 许可证编号或企业名称** 获取 Word 文件；进度与汇总请发送 **/汇总** 获取 Excel 文件。如仍有问题，请联系市局联络员。',
  unknownCommand: (text: string) => `暂不支持“${text}”。发送 **/帮助** 查看您可以使用的命令。`,
  unknownNonText: '我只能识别文字命令。发送 **/帮助** 查看您可以使用的命令。',
  notAllowedTitle: '没有权限',
  notAllowed: (command: string, roles: string) => `**${command}** 仅限${roles}使用。发送 **/帮助** 查看您可以使用的命令。`,
  staleButton: '这个按钮已失效，请发送 /帮助 重新开始',
  privatelyTitle: '已单独发给您',
  privately: (command: string) => `${command} 的结果含有尚未检查的企业或尚未公示的检查结果，不在群里显示，已发到您与我的单聊中。`,
} as const;
