/* The sandbox page: a Feishu-like chat with the bot, as any person of the registry.
   Everything goes through /sandbox/api (the server plays the Feishu client); no build step. */
(function () {
  'use strict';

  var API = '/sandbox/api';
  var $ = function (id) { return document.getElementById(id); };
  var state = {
    people: [],
    visitor: null,
    current: null,
    /** message id → version shown, so only new or replaced messages are redrawn (typed form text survives) */
    shown: new Map(),
    loadingChat: false,
    chatAgain: false,
  };

  // ---- small helpers -------------------------------------------------------------------------------------------

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function api(method, path, body) {
    var opts = { method: method, headers: {} };
    if (body !== undefined) {
      opts.headers['content-type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(API + path, opts).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) throw new Error(data.error || '请求失败（HTTP ' + res.status + '）');
        return data;
      });
    });
  }

  /** One toast at a time, as the Feishu client shows them. */
  function toast(type, text) {
    $('toasts').querySelectorAll('.toast').forEach(function (old) { old.remove(); });
    var el = document.createElement('div');
    el.className = 'toast toast-' + (type || 'info');
    el.setAttribute('role', 'status');
    el.textContent = text;
    $('toasts').appendChild(el);
    setTimeout(function () { el.classList.add('toast-out'); }, 3200);
    setTimeout(function () { el.remove(); }, 3600);
  }

  function confirmDialog(title, text) {
    return new Promise(function (resolve) {
      $('dialog-title').textContent = title || '确认';
      $('dialog-text').textContent = text || '';
      $('dialog').hidden = false;
      var done = function (answer) {
        $('dialog').hidden = true;
        $('dialog-ok').onclick = null;
        $('dialog-cancel').onclick = null;
        resolve(answer);
      };
      $('dialog-ok').onclick = function () { done(true); };
      $('dialog-cancel').onclick = function () { done(false); };
      $('dialog-ok').focus();
    });
  }

  function time(ms) {
    var d = new Date(ms);
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    return pad(d.getHours()) + ':' + pad(d.getMinutes());
  }

  function roleLine(p) {
    var parts = [];
    if (p.roles && p.roles.length) parts.push(p.roles.join('、'));
    if (p.county) parts.push(p.county);
    return parts.join(' · ') || p.unit || '';
  }

  function initial(name) { return Array.from(name || '?')[0]; }

  // ---- people (the role switcher) ------------------------------------------------------------------------------

  function rank(p) {
    var liaison = p.roles.indexOf('联络员') >= 0;
    if (liaison && p.county === '市局') return 0;
    if (liaison) return 1;
    if (p.roles.indexOf('领导') >= 0) return 2;
    if (p.roles.indexOf('组长') >= 0) return 3;
    return 4;
  }

  /** what each person's <li> shows now */
  var drawn = new WeakMap();

  function everyone() { return (state.visitor ? [state.visitor] : []).concat(state.people); }

  function renderPeople() {
    var q = $('people-search').value.trim();
    // A stable order (role, county, name): the list never moves under the pointer; unread counts are badges.
    var list = state.people.slice().sort(function (a, b) {
      return rank(a) - rank(b) || a.county.localeCompare(b.county, 'zh') || a.name.localeCompare(b.name, 'zh');
    });
    if (state.visitor) list.push(state.visitor);
    if (q) {
      list = list.filter(function (p) {
        return (p.name + ' ' + p.roles.join(' ') + ' ' + p.county + ' ' + p.unit).indexOf(q) >= 0;
      });
    }
    // Each person keeps their own <li>: only what changed is redrawn, so nothing is detached under the pointer.
    var ul = $('people-list');
    var existing = new Map();
    ul.querySelectorAll(':scope > .person').forEach(function (li) { existing.set(li.getAttribute('data-open-id'), li); });
    var wanted = new Set(list.map(function (p) { return p.openId; }));
    existing.forEach(function (li, id) { if (!wanted.has(id)) li.remove(); });
    var before = null;
    list.forEach(function (p) {
      var li = existing.get(p.openId);
      if (!li) {
        li = document.createElement('li');
        li.setAttribute('data-open-id', p.openId);
        li.setAttribute('role', 'button');
        li.setAttribute('tabindex', '0');
      }
      li.className = 'person' + (state.current === p.openId ? ' active' : '');
      var inner = '<span class="avatar">' + esc(initial(p.name)) + '</span>' +
        '<span class="person-text"><span class="person-name">' + esc(p.name) + '</span>' +
        '<span class="person-roles">' + esc(roleLine(p)) + '</span>' +
        '<span class="person-last">' + esc(p.lastText || '') + '</span></span>' +
        (p.unread > 0 ? '<span class="badge unread">' + p.unread + '</span>' : '');
      if (drawn.get(li) !== inner) {
        li.innerHTML = inner;
        drawn.set(li, inner);
      }
      var expected = before ? before.nextElementSibling : ul.firstElementChild;
      if (expected !== li) {
        if (before) before.after(li);
        else ul.prepend(li);
      }
      before = li;
    });
    $('people-empty').hidden = state.people.length > 0;
    var others = everyone().filter(function (p) { return p.openId !== state.current; })
      .reduce(function (n, p) { return n + p.unread; }, 0);
    $('others-unread').hidden = others === 0;
    $('others-unread').textContent = String(others);
    var me = everyone().find(function (p) { return p.openId === state.current; });
    $('chat-sub').textContent = me ? '当前身份：' + me.name + (roleLine(me) ? '（' + roleLine(me) + '）' : '') : '请选择身份';
  }

  function loadPeople() {
    return api('GET', '/people').then(function (data) {
      state.people = data.people;
      state.visitor = data.visitor;
      if (!state.current || !everyone().some(function (p) { return p.openId === state.current; })) {
        var saved = localStorage.getItem('sandbox.person');
        var pick = everyone().find(function (p) { return p.openId === saved; }) || state.visitor;
        if (pick) select(pick.openId, true);
      }
      renderPeople();
    });
  }

  function select(openId, quiet) {
    if (state.current !== openId) {
      state.current = openId;
      state.shown = new Map();
      $('messages').innerHTML = '';
      localStorage.setItem('sandbox.person', openId);
    }
    renderPeople();
    loadChat(true);
    if (quiet) return;
    // a person picked by hand: on a phone the chat takes the screen again
    document.getElementById('app').setAttribute('data-view', 'chat');
    $('text').focus({ preventScroll: true });
  }

  // ---- the chat -----------------------------------------------------------------------------------------------

  function entryHtml(e) {
    var body;
    if (e.kind === 'card') body = '<div class="card-wrap">' + e.html + '</div>';
    else if (e.kind === 'image') body = '<img class="photo" alt="图片" src="' + API + '/resource/' + encodeURIComponent(e.imageKey) + '">';
    else if (e.kind === 'file') {
      body = '<a class="file" href="' + API + '/resource/' + encodeURIComponent(e.file.key) + '" download="' + esc(e.file.name) + '">' +
        '<span class="file-icon">📄</span><span class="file-name">' + esc(e.file.name) + '</span>' +
        '<span class="file-size">' + Math.max(1, Math.round(e.file.size / 1024)) + ' KB</span></a>';
    } else body = '<div class="bubble">' + esc(e.text).replace(/\n/g, '<br>') + '</div>';
    var who = e.from === 'bot' ? '<span class="avatar bot-avatar">助</span>' : '';
    return who + '<div class="msg-body"><div class="msg-time">' + time(e.at) + (e.updated ? ' · 已更新' : '') + '</div>' + body + '</div>';
  }

  function nearBottom() {
    var m = $('messages');
    return m.scrollHeight - m.scrollTop - m.clientHeight < 120;
  }

  function renderChat(entries, forceScroll) {
    var box = $('messages');
    var stick = forceScroll || nearBottom();
    if (entries.length === 0) {
      box.innerHTML = '<div class="chat-empty">还没有消息。发送 <b>/帮助</b>，看看这个身份可以做什么。</div>';
      state.shown = new Map();
      return;
    }
    var empty = box.querySelector('.chat-empty');
    if (empty) empty.remove();
    var ids = new Set(entries.map(function (e) { return e.id; }));
    box.querySelectorAll('.msg').forEach(function (el) {
      if (!ids.has(el.getAttribute('data-message-id'))) el.remove();
    });
    var prev = null;
    entries.forEach(function (e) {
      var el = box.querySelector('.msg[data-message-id="' + e.id + '"]');
      var version = e.version === undefined ? 0 : e.version;
      if (!el || state.shown.get(e.id) !== version) {
        var fresh = document.createElement('div');
        fresh.className = 'msg msg-' + e.from + ' msg-' + e.kind;
        fresh.setAttribute('data-message-id', e.id);
        fresh.setAttribute('data-version', String(version));
        fresh.innerHTML = entryHtml(e);
        if (el) el.replaceWith(fresh);
        else if (prev) prev.after(fresh);
        else box.prepend(fresh);
        el = fresh;
        state.shown.set(e.id, version);
      }
      prev = el;
    });
    if (stick) box.scrollTop = box.scrollHeight;
  }

  function loadChat(forceScroll) {
    if (!state.current) return Promise.resolve();
    if (state.loadingChat) {
      state.chatAgain = true;
      return Promise.resolve();
    }
    state.loadingChat = true;
    var who = state.current;
    return api('GET', '/chat/' + encodeURIComponent(who)).then(function (data) {
      if (who === state.current) renderChat(data.entries, forceScroll);
    }).catch(function (err) {
      toast('error', err.message);
    }).then(function () {
      state.loadingChat = false;
      if (state.chatAgain) {
        state.chatAgain = false;
        loadChat(false);
      }
    });
  }

  // ---- sending --------------------------------------------------------------------------------------------------

  function sendText() {
    var text = $('text').value.trim();
    if (!text || !state.current) return;
    $('text').value = '';
    autoSize();
    api('POST', '/chat/' + encodeURIComponent(state.current) + '/text', { text: text }).then(function (r) {
      if (!r.ok) toast('error', '机器人没有收下这条消息（HTTP ' + r.status + '）');
      loadChat(true);
    }).catch(function (err) {
      $('text').value = text;
      toast('error', err.message);
    });
  }

  function sendImage(file) {
    if (!file || !state.current) return;
    if (file.size > 10 * 1024 * 1024) {
      toast('error', '图片不能超过 10 MB');
      return;
    }
    var reader = new FileReader();
    reader.onload = function () {
      var data = String(reader.result).replace(/^data:[^,]*,/, '');
      api('POST', '/chat/' + encodeURIComponent(state.current) + '/image', { name: file.name, data: data }).then(function (r) {
        if (!r.ok) toast('error', '机器人没有收下这张图片（HTTP ' + r.status + '）');
        loadChat(true);
      }).catch(function (err) { toast('error', err.message); });
    };
    reader.readAsDataURL(file);
  }

  function sendFile(file) {
    if (!file || !state.current) return;
    if (file.size > 10 * 1024 * 1024) {
      toast('error', '试用页面一次最多发送 10 MB 的文件');
      return;
    }
    var reader = new FileReader();
    reader.onload = function () {
      var data = String(reader.result).replace(/^data:[^,]*,/, '');
      api('POST', '/chat/' + encodeURIComponent(state.current) + '/file', { name: file.name, data: data }).then(function (r) {
        if (!r.ok) toast('error', '机器人没有收下这个文件（HTTP ' + r.status + '）');
        loadChat(true);
      }).catch(function (err) { toast('error', err.message); });
    };
    reader.readAsDataURL(file);
  }

  function autoSize() {
    var t = $('text');
    t.style.height = 'auto';
    t.style.height = Math.min(120, t.scrollHeight) + 'px';
  }

  // ---- cards: what the Feishu client does on a click ---------------------------------------------------------------

  function formValues(card, formName) {
    var values = {};
    var problems = [];
    card.querySelectorAll('[data-field][data-form="' + formName + '"]').forEach(function (f) {
      var name = f.getAttribute('data-field');
      var kind = f.getAttribute('data-kind');
      var value;
      if (kind === 'checker') return;
      if (kind === 'multi') value = Array.from(f.selectedOptions).map(function (o) { return o.value; });
      else if (kind === 'datetime') value = f.value.replace('T', ' ');
      else value = f.value;
      var empty = Array.isArray(value) ? value.length === 0 : value.trim() === '';
      var max = Number(f.getAttribute('maxlength') || '0');
      if (f.required && empty) problems.push({ field: f, text: '必填' });
      else if (max && !Array.isArray(value) && Array.from(value).length > max) problems.push({ field: f, text: '最多 ' + max + ' 个字' });
      if (kind === 'input' || !empty) values[name] = value;
    });
    problems.forEach(function (p) {
      p.field.classList.add('fc-invalid');
      var note = p.field.closest('.fc-field') && p.field.closest('.fc-field').querySelector('.fc-field-note');
      if (note) {
        note.textContent = p.text;
        note.classList.add('fc-error');
      }
    });
    return { values: values, ok: problems.length === 0 };
  }

  function clickCardButton(btn) {
    var msg = btn.closest('.msg');
    var action = btn.getAttribute('data-action');
    if (btn.disabled || !msg || btn.classList.contains('fc-busy')) return;
    if (action === 'link') {
      window.open(btn.getAttribute('data-url'), '_blank', 'noopener');
      return;
    }
    if (action === 'reset') {
      var f = btn.closest('form');
      if (f) window.FeishuCard.resetForm(f);
      return;
    }
    if (action === 'none') {
      toast('info', '这个按钮没有设置回调，在飞书里点击也不会有反应');
      return;
    }
    var form;
    if (action === 'submit') {
      var collected = formValues(msg, btn.getAttribute('data-form'));
      if (!collected.ok) {
        toast('warning', '请先填写必填项');
        return;
      }
      form = collected.values;
    }
    var ask = btn.hasAttribute('data-confirm-title')
      ? confirmDialog(btn.getAttribute('data-confirm-title'), btn.getAttribute('data-confirm-text'))
      : Promise.resolve(true);
    ask.then(function (yes) {
      if (!yes) return;
      btn.classList.add('fc-busy');
      return api('POST', '/chat/' + encodeURIComponent(state.current) + '/click', {
        messageId: msg.getAttribute('data-message-id'),
        version: Number(msg.getAttribute('data-version')),
        path: btn.getAttribute('data-path'),
        form: form,
      }).then(function (r) {
        if (r.toast) toast(r.toast.type, r.toast.content);
        if (r.clientError) toast('error', '出错了，请稍后重试（飞书错误码 ' + r.clientError.code + '：' + r.clientError.msg + '）');
        return loadChat(false);
      }).catch(function (err) {
        toast('error', err.message);
      }).then(function () {
        btn.classList.remove('fc-busy');
      });
    });
  }

  // ---- wiring --------------------------------------------------------------------------------------------------

  $('messages').addEventListener('click', function (e) {
    var btn = e.target.closest('.fc-btn');
    if (btn) clickCardButton(btn);
  });
  $('people-list').addEventListener('click', function (e) {
    var li = e.target.closest('.person');
    if (li) select(li.getAttribute('data-open-id'));
  });
  $('people-list').addEventListener('keydown', function (e) {
    var li = e.target.closest('.person');
    if (li && (e.key === 'Enter' || e.key === ' ')) select(li.getAttribute('data-open-id'));
  });
  $('people-search').addEventListener('input', renderPeople);
  $('open-people').addEventListener('click', function () {
    document.getElementById('app').setAttribute('data-view', 'people');
  });
  $('send').addEventListener('click', sendText);
  $('text').addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendText();
    }
  });
  $('text').addEventListener('input', autoSize);
  $('quick').addEventListener('click', function (e) {
    var b = e.target.closest('[data-command]');
    if (!b) return;
    $('text').value = b.getAttribute('data-command') + ' ';
    autoSize();
    $('text').focus();
  });
  $('attach-btn').addEventListener('click', function () {
    var menu = $('attach-menu');
    menu.hidden = !menu.hidden;
    $('attach-btn').setAttribute('aria-expanded', String(!menu.hidden));
  });
  $('attach-menu').addEventListener('click', function (e) {
    var b = e.target.closest('[data-attach]');
    if (!b) return;
    $('attach-menu').hidden = true;
    if (b.getAttribute('data-attach') === 'image') $('image-input').click();
    if (b.getAttribute('data-attach') === 'file') $('file-input').click();
  });
  $('file-input').addEventListener('change', function () {
    var file = $('file-input').files[0];
    $('file-input').value = '';
    sendFile(file);
  });
  $('image-input').addEventListener('change', function () {
    var file = $('image-input').files[0];
    $('image-input').value = '';
    sendImage(file);
  });
  $('load-sample').addEventListener('click', function () {
    var btn = $('load-sample');
    btn.disabled = true;
    btn.textContent = '正在载入……';
    api('POST', '/sample-data', {}).then(function (r) {
      toast('success', '已导入企业 ' + r.enterprises.total + ' 家、人员 ' + r.staff.total + ' 人；专项：' + r.campaign.name +
        (r.campaign.created ? '（新建）' : '（已有）'));
      return loadPeople().then(function () {
        // A newcomer continues as the city liaison, who runs the draw.
        if (state.current === (state.visitor && state.visitor.openId)) {
          var city = state.people.find(function (p) { return p.roles.indexOf('联络员') >= 0 && p.county === '市局'; });
          if (city) select(city.openId);
        }
      });
    }).catch(function (err) {
      toast('error', err.message);
    }).then(function () {
      btn.disabled = false;
      btn.textContent = '载入示例数据';
    });
  });

  var pending = null;
  function refreshSoon(chatToo) {
    if (chatToo) state.refreshChat = true;
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      var chat = state.refreshChat;
      state.refreshChat = false;
      loadPeople().catch(function () {});
      if (chat) loadChat(false);
    }, 120);
  }

  function listen() {
    var source = new EventSource(API + '/events');
    source.onmessage = function (e) {
      var data = {};
      try { data = JSON.parse(e.data); } catch (err) { /* ignore */ }
      refreshSoon(!data.openId || data.openId === state.current);
    };
  }

  loadPeople().catch(function (err) { toast('error', err.message); });
  listen();
})();
