/* Behaviour of rendered cards that needs no server: table pages, character counters, form reset.
   Shared by the sandbox page and the static `npm run cards` page. */
(function () {
  'use strict';

  function page(wrap, delta) {
    var pager = wrap.querySelector('.fc-pager');
    if (!pager) return;
    var pages = Number(pager.getAttribute('data-pages'));
    var current = Number(pager.getAttribute('data-current') || '0') + delta;
    current = Math.max(0, Math.min(pages - 1, current));
    pager.setAttribute('data-current', String(current));
    wrap.querySelectorAll('tr[data-page]').forEach(function (tr) {
      tr.hidden = Number(tr.getAttribute('data-page')) !== current;
    });
    pager.querySelector('.fc-page-no').textContent = current + 1 + '/' + pages;
    pager.querySelector('.fc-page-prev').disabled = current === 0;
    pager.querySelector('.fc-page-next').disabled = current === pages - 1;
  }

  function counter(field) {
    var note = field.id && field.closest('.fc-card') ? field.closest('.fc-field') : null;
    note = note && note.querySelector('.fc-field-note');
    if (!note) return;
    var max = Number(field.getAttribute('maxlength') || '0');
    var len = Array.from(field.value).length;
    note.classList.remove('fc-error');
    note.textContent = len > 0 && max ? len + '/' + max : '';
  }

  function resetForm(form) {
    form.querySelectorAll('[data-field]').forEach(function (f) {
      if (f.type === 'checkbox') return;
      if (f.tagName === 'SELECT') {
        f.selectedIndex = f.multiple ? -1 : 0;
        return;
      }
      var def = f.getAttribute('data-default') || '';
      f.value = f.getAttribute('data-kind') === 'datetime' ? def.replace(' ', 'T') : def;
      f.classList.remove('fc-invalid');
      counter(f);
    });
  }

  document.addEventListener('click', function (e) {
    var prev = e.target.closest('.fc-page-prev');
    var next = e.target.closest('.fc-page-next');
    if (prev || next) page((prev || next).closest('.fc-table-wrap'), prev ? -1 : 1);
  });
  document.addEventListener('input', function (e) {
    if (e.target.matches && e.target.matches('.fc-card [data-field]')) {
      e.target.classList.remove('fc-invalid');
      counter(e.target);
    }
  });

  window.FeishuCard = { resetForm: resetForm };
})();
