// The dashboard's only script: confirm before an action is sent. Pages work without it.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// The playground: redraw the chat when the bot says something, without reloading the page.
const box = document.querySelector("#chat-box[data-poll]");
if (box) {
  const scroll = () => {
    const chat = box.querySelector("#chat");
    if (chat) chat.scrollTop = chat.scrollHeight;
  };
  scroll();
  setInterval(async () => {
    const chat = box.querySelector("#chat");
    const since = chat ? chat.getAttribute("data-version") : "";
    try {
      const response = await fetch(`${box.getAttribute("data-poll")}?since=${since}`, { credentials: "same-origin" });
      if (response.status === 200) {
        box.innerHTML = await response.text();
        scroll();
      }
    } catch (_) {
      // The server is restarting; the next tick tries again.
    }
  }, 1000);
}

// A page with work in progress (a broadcast) reloads itself until it is done.
const refresh = document.querySelector("[data-refresh]");
if (refresh) {
  setTimeout(() => window.location.reload(), Number(refresh.getAttribute("data-refresh")) * 1000);
}
