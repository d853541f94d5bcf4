// Capítulo 2 — El mayordomo y sus silencios
// Un jueves temprano: Lucien pone a prueba tu discreción y Gael tu paciencia.
// Lee: conoce_cancion (la respuesta buena de la apuesta). Decide: secreto_guardado.

=== capitulo_2 ===
# capitulo:2
# requiere:capitulo:1
Jueves. Llegas una hora antes de que abran, y la puerta negra está entornada.
Dentro, el salón parece otro: luces de trabajo, sillas sobre las mesas, olor a cera y a limones.
Lucien, en mangas de camisa y chaleco, seca copas detrás de la barra. No levanta la vista.
# personaje:lucien
—Llega temprano. O Diana le dio una hora falsa, o usted no sabe esperar. Ambas cosas me preocupan.
# personaje:lucien
—La otra noche se llevó usted un sobre. No le preguntaré qué decía. Ya lo sé.
* [Ofrecerte a ayudarle a secar copas]
    # relacion:lucien:+1
    Lucien te tiende un paño sin decir nada. Trabajáis un rato en silencio; él solo corrige, con un gesto mínimo, la forma en que sujetas el cristal.
    # personaje:lucien
    —Por el tallo. Siempre por el tallo. Las huellas, como los secretos, se notan a contraluz.
    -> el_encargo
* [Preguntarle cuánto tiempo lleva con Diana]
    # relacion:lucien:+1
    Lucien deja la copa a contraluz y la examina mucho más tiempo del necesario.
    # personaje:lucien
    —Desde antes de que ella fuera Diana. Desde antes de que esto fuera Los Kinkys. Y esa es toda la respuesta que va a sacarme con un trapo en la mano.
    -> el_encargo
* {tiene("libro_de_reservas")} [Preguntar por el nombre tachado del libro]
    -> reservas

= reservas
Lucien deja de secar. Por un instante, el paño se queda quieto en el aire.
# personaje:lucien
—Ha estado leyendo lo que no debe. Bien: al menos lee con atención.
Apoya las manos en la barra.
# personaje:lucien
—Cada jueves, Diana reserva la mesa del fondo a nombre de Aurora. Cada jueves yo lo tacho al cerrar. Y ella escribe al lado: «todavía no».
# relacion:lucien:+1
# personaje:lucien
—Aurora cantaba aquí cuando esto se llamaba El Aurora. Crio a Diana. Y una noche se marchó. No me pida más.
-> el_encargo

= el_encargo
Suena el teléfono de la trastienda, un aparato negro de disco que parece sacado de otra época. Lucien contesta, escucha, cuelga.
Saca de debajo de la barra una caja pequeña de madera oscura y la deja frente a ti.
# personaje:lucien
—Tengo que ausentarme diez minutos. Vigile esto. No la abra. No deje que nadie la abra. Ni siquiera él.
Antes de que puedas preguntar quién es «él», la puerta trasera chirría. Gael entra con el estuche del saxofón al hombro y la sonrisa puesta.
# personaje:gael
—Vaya, vaya. ¿Lucien te ha dejado de guardia? ¿Con la cajita? Ahí dentro está todo lo que Diana no cuenta. Anda, solo un vistazo. Nadie se va a enterar.
* [Proteger la caja: «Ni lo sueñes»]
    ~ secreto_guardado = true
    # relacion:gael:-1
    Pones la mano sobre la tapa. Gael levanta las palmas, teatral.
    # personaje:gael
    —Vale, vale. Lucien ha encontrado un perro guardián. Me alegro por él.
    -> regreso
* [Dejar que Gael eche un vistazo]
    ~ secreto_guardado = false
    # relacion:gael:+1
    -> gael_abre
* [Distraerle con una apuesta]
    -> apuesta_gael

= apuesta_gael
A Gael se le iluminan los ojos. Las apuestas son su idioma.
# personaje:gael
—Trato hecho. Si aciertas qué canción tararea Diana cuando cree que nadie la oye, no vuelvo a mirar la caja. Si fallas, me invitas a la próxima copa.
~ secreto_guardado = true
* [«Un bolero antiguo»]
    # relacion:gael:+1
    # personaje:gael
    —Frío, frío. Me debes una copa. Y la caja, tranquilidad: hoy estoy de buen humor.
    -> regreso
* [«Algo de Chavela Vargas»]
    # relacion:gael:+1
    # personaje:gael
    —Buen gusto, mala puntería. Me debes una copa. Y te dejo la caja: me caes bien.
    -> regreso
* {conoce_cancion} [«Hasta la última canción»]
    # puntos:+15
    # relacion:gael:+1:rivalidad
    La sonrisa de Gael se congela un segundo.
    # personaje:gael
    —¿Cómo sabes tú eso? Esa canción no la conoce nadie… Está bien. Has ganado. Pero que conste que esto no termina aquí.
    -> regreso

= gael_abre
Gael levanta la tapa con un dedo. Dentro, envuelto en un pañuelo blanco, brilla algo pequeño: una llave de latón con una D grabada.
Su sonrisa se apaga de golpe.
# personaje:gael
—Así que todavía la guarda…
Cierra la caja con cuidado, la coloca exactamente donde estaba y se aleja hacia el escenario sin decir nada más. Por primera vez, no parece un hombre que juega.
-> regreso

= regreso
Lucien vuelve a los diez minutos exactos. Mira la caja. Te mira a ti.
{secreto_guardado:
    -> confidencia
- else:
    -> desconfianza
}

= confidencia
Abre la caja él mismo, delante de ti, y desenvuelve el pañuelo: una llave de latón, pequeña, antigua, con una D grabada en el ojo.
# personaje:lucien
—Esta llave no abre El Diván. Abre algo que hay dentro. Diana me pidió que se la diera a quien supiera guardar un secreto sin que se lo pidieran dos veces.
# logro:confidente_de_lucien
# pista:llave_de_laton
# relacion:lucien:+2
# personaje:lucien
—Llevo años esperando a esa persona. Tómela. Y no me haga arrepentirme.
* [«Le prometo que la usaré bien»]
    # personaje:lucien
    —No prometa. Úsela bien y ya está. Las promesas las dejo para los que no cumplen.
    -> noche
* [«¿Por qué confía en mí?»]
    # personaje:lucien
    —Porque no ha preguntado qué había dentro. Y porque ella le miró la otra noche como no mira a casi nadie.
    -> noche

= desconfianza
Lucien gira la caja un par de milímetros, hasta devolverla a una posición que solo él conoce.
# relacion:lucien:-1
# personaje:lucien
—Interesante.
Desde el escenario, Gael silba una melodía con demasiada inocencia.
# personaje:lucien
—La confianza, como el buen vino, tarda años en hacerse y un segundo en estropearse.
* [Disculparte con Lucien]
    # personaje:lucien
    —Disculpas aceptadas. La caja, de momento, se queda donde está.
    -> noche
* [Encogerte de hombros]
    Lucien guarda la caja bajo la barra y no vuelve a mencionarla. Lo cual es mucho peor que si lo hiciera.
    -> noche

= noche
A las once se encienden las lámparas color miel y el salón se llena de murmullos.
Diana baja por la escalera de caracol con un vestido negro y una flor de menos en el pelo, como si se le hubiera olvidado ponérsela.
{relacion("diana") >= 2:
    Te encuentra enseguida entre la gente, y sonríe como se sonríe a alguien a quien se esperaba.
    # personaje:diana
    —Te he guardado sitio. No se lo digas a nadie; aquí no le guardo sitio a nadie.
- else:
    Saluda a medio salón antes de llegar a ti. Cuando por fin lo hace, te mira con curiosidad.
    # personaje:diana
    —Has vuelto. Casi nadie vuelve un jueves después de un martes. Me intrigas.
}
* [Invitarla a sentarse contigo]
    # relacion:diana:+1:romance
    Se sienta. Cruza las piernas, apoya el mentón en la mano y te escucha como si no hubiera nadie más en la sala.
    # personaje:diana
    —Cinco minutos. Luego tengo que ser la anfitriona. Ahora mismo solo soy Diana.
    -> actuacion
* [Preguntarle por la canción inacabada]
    # relacion:diana:+1
    Algo pasa por sus ojos, rápido como un pez bajo el agua.
    # personaje:diana
    —Las canciones inacabadas son las únicas que no decepcionan nunca. Pregúntame otra cosa. O mejor, pregúntamelo otro día.
    -> actuacion
* [Regalarle una gardenia para el pelo #coste:25]
    # relacion:diana:+2:romance
    Le tiendes una gardenia blanca. Diana la mira un momento, sin tocarla, y luego inclina la cabeza para que se la pongas tú.
    # personaje:diana
    —Me faltaba una flor. ¿Cómo lo sabías? No, no me lo digas. Prefiero pensar que es magia.
    -> actuacion

= actuacion
Gael sube al pequeño escenario y saca el saxofón.
# personaje:gael
—Esta va para la dueña de la casa. Como en los viejos tiempos.
Toca algo lento y sucio y precioso. Diana lo escucha con los brazos cruzados y una expresión que no sabes leer: nostalgia, enfado, algo más antiguo que ambas cosas.
Luego, sin dejar de mirar a Gael, busca tu mano por debajo de la mesa. O quizá solo roza la tuya al coger su copa.
* [Quedarte a escuchar a Gael]
    # puntos:+5
    Gael toca bien. Demasiado bien. Es difícil competir con alguien que habla el idioma de los recuerdos de Diana.
    Cuando termina, te guiña un ojo desde el escenario.
    -> fin_capitulo
* [Salir a la terraza a tomar el aire]
    -> terraza

= terraza
# puntos:+5
La terraza es un balcón estrecho lleno de macetas, sobre la calle mojada.
{relacion("diana") >= 3:
    Al poco, la puerta se abre a tu espalda. Es Diana, con dos copas y sin abrigo.
    # personaje:diana
    —No soporto cuando toca esa canción. Y tampoco soporto que te vayas cuando la toca. Qué complicada soy, ¿verdad?
    Apoya el hombro en el tuyo. Abajo, un taxi pasa despacio, como si no quisiera interrumpir.
- else:
    Al poco, aparece Lucien con una manta doblada sobre el brazo y te la ofrece sin comentarios.
    # personaje:lucien
    —Gael toca esa canción cada vez que quiere recordarle a Diana quién llegó primero. Que llegue primero no significa nada. Se lo digo por si le sirve.
}
-> fin_capitulo

= fin_capitulo
La noche se cierra despacio. Al salir, notas que la calle ya no te parece la misma: ahora tiene un antes y un después de Los Kinkys.
# puntos:+15
# personaje:lucien
—Hasta la próxima. Dicen que va a haber tormenta. Los días de tormenta, en esta casa, pasan cosas.
* [Continuar: Capítulo 3 — La partitura rota] -> capitulo_3
