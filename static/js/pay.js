// The pay page (templates/payments/pay.html): collect the card with Stripe.js, hand its id to our server,
// which confirms the payment with Stripe; run 3-D Secure when Stripe asks; then go to the return page,
// which asks Stripe how the payment ended. The page never decides by itself that anything is paid.
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form || typeof window.Stripe !== "function") {
    return;
  }
  var button = document.getElementById("pay-button");
  var message = document.getElementById("payment-message");
  var label = button.textContent;
  var stripe = window.Stripe(form.dataset.publishableKey);
  var collect;
  var nextAction;

  if (typeof stripe.handleNextAction === "function") {
    // Stripe.js: the Payment Element, card only; the server confirms (finalize payments on the server).
    var elements = stripe.elements({
      mode: "payment",
      amount: parseInt(form.dataset.amount, 10),
      currency: form.dataset.currency,
      paymentMethodCreation: "manual",
      paymentMethodTypes: ["card"],
      locale: form.dataset.locale,
    });
    elements.create("payment").mount("#payment-element");
    collect = function () {
      return elements.submit().then(function (submitted) {
        if (submitted.error) {
          return { error: submitted.error };
        }
        return stripe.createPaymentMethod({ elements: elements }).then(function (result) {
          return result.error ? { error: result.error } : { id: result.paymentMethod.id };
        });
      });
    };
    nextAction = function (secret) {
      return stripe.handleNextAction({ clientSecret: secret });
    };
  } else {
    // localstripe's stand-in for Stripe.js (the fake server): a card element, tokens, its 3-D Secure box.
    var card = stripe.elements().create("card");
    card.mount("#payment-element");
    collect = function () {
      return stripe.createToken(card).then(function (result) {
        return result.error ? { error: result.error } : { id: result.token.card.id };
      });
    };
    nextAction = function (secret) {
      return stripe.confirmCardPayment(secret);
    };
  }

  function say(text) {
    message.textContent = text;
    message.hidden = !text;
    if (text) {
      message.focus();
    }
  }

  function ready() {
    button.disabled = false;
    button.textContent = label;
  }

  message.tabIndex = -1;
  ready();

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (button.disabled) {
      return;
    }
    button.disabled = true;
    button.textContent = form.dataset.busyText;
    say("");
    collect()
      .then(function (collected) {
        if (collected.error) {
          say(collected.error.message || form.dataset.errorText);
          ready();
          return null;
        }
        return fetch(form.dataset.cardUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value,
          },
          body: JSON.stringify({ payment_method: collected.id }),
        }).then(function (response) {
          return response.json();
        });
      })
      .then(function (answer) {
        if (!answer) {
          return;
        }
        if (answer.status === "requires_action") {
          return nextAction(answer.client_secret).then(function () {
            window.location.assign(form.dataset.doneUrl);
          });
        }
        if (answer.status === "succeeded" || answer.status === "pending" || answer.status === "expired") {
          window.location.assign(answer.next || form.dataset.doneUrl);
          return;
        }
        say(answer.message || form.dataset.errorText);
        ready();
      })
      .catch(function () {
        say(form.dataset.errorText);
        ready();
      });
  });
})();
