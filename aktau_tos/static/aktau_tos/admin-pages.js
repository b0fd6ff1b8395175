// Behaviour of the terminal's own admin pages, kept out of the HTML for the content security policy.
document.addEventListener("click", (event) => {
  const printLink = event.target.closest("[data-print]");
  if (printLink) {
    event.preventDefault();
    window.print();
  }
});
