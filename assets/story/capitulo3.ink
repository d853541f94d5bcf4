// Capítulo 3 — La partitura rota
// Noche de tormenta: Diana no baja y Gael cuenta la historia de Aurora y de la canción sin final.
// Lee: secreto_guardado. Decide: aliado_gael, nota_dejada. Vuelve conoce_cancion a false: ya no se lee.

=== capitulo_3 ===
# capitulo:3
# requiere:capitulo:2
# requiere:nivel:2
Llueve como si el cielo tuviera algo que demostrar. Los Kinkys está medio vacío y huele a abrigos mojados.
~ conoce_cancion = false
No hay rastro de Diana. En el escenario, Gael toca solo, para nadie, una melodía que ya empiezas a reconocer.
Lucien te recoge el abrigo empapado y te acompaña a tu mesa.
# personaje:lucien
—La señora está indispuesta esta noche.
{secreto_guardado:
    Baja la voz, solo para ti.
    # personaje:lucien
    —Los días de tormenta no baja nunca. Usted ya sabe guardar secretos; pronto sabrá también el porqué.
}
Gael termina la pieza, guarda el saxo y se sienta a tu mesa sin pedir permiso, con dos copas.
# personaje:gael
—Esta noche no bajará. Los días de tormenta nunca baja. ¿Quieres saber por qué?
* [«Cuéntamelo»]
    # relacion:gael:+1
    # personaje:gael
    —Sabía que lo dirías. Tienes cara de coleccionar historias ajenas.
    -> historia
* [«Si ella no lo cuenta, no me toca saberlo»]
    # relacion:gael:+1:rivalidad
    Desde la barra, Lucien deja de limpiar un vaso durante exactamente un segundo.
    # personaje:gael
    —Qué lealtad. Me lo temía: juegas limpio. Te lo contaré igual: esto no es un secreto, es una historia. Y las historias son de quien las escucha.
    -> historia
* {tiene("entrada_antigua")} [Enseñarle la vieja entrada amarillenta]
    -> entrada

= entrada
Gael toma la entrada con cuidado, como si pudiera deshacerse entre sus dedos. Lee la fecha. Luego el reverso, escrito a lápiz.
# relacion:gael:+1
# personaje:gael
—«Volveré a por el último verso»… ¿De dónde has sacado esto? Yo estuve allí esa noche. Tenía diecisiete años y tocaba detrás de ella.
Se queda un rato callado. Cuando vuelve a hablar, ya no hay rastro de su sonrisa de jugador.
# personaje:gael
—Nunca se lo he contado a nadie entero. Tú vas a ser la excepción.
-> historia

= historia
# personaje:gael
—Antes esto se llamaba El Aurora. Aurora Valdés cantaba aquí cada noche. Recogió a Diana cuando era una cría que vendía flores en la puerta, y la crio entre bastidores.
# personaje:gael
—Diana y yo teníamos diecisiete años. Ella cantaba, yo tocaba. Aurora estaba escribiendo una canción para ella: Hasta la última canción.
# personaje:gael
—Una noche de tormenta, a mitad de esa canción, Aurora dejó el micrófono, salió por esa puerta y no volvió nunca.
Se bebe la copa de un trago.
# personaje:gael
—Diana no ha vuelto a cantar desde entonces. Ni una nota delante de nadie.
* [Preguntarle qué siente por Diana]
    Gael sonríe con media boca, sin rastro de vergüenza.
    # personaje:gael
    —Lo mismo que tú, supongo. Solo que desde hace más tiempo. No te lo tomes como algo personal: es una competición justa.
    -> la_partitura
* [Preguntarle cómo termina la canción]
    # personaje:gael
    —No termina. Aurora se llevó el final. O eso hemos creído siempre.
    -> la_partitura

= la_partitura
Gael saca de la cartera media hoja de pentagrama, doblada y redoblada tantas veces que los pliegues parecen cicatrices.
# personaje:gael
—La rompió Diana esa misma noche. Yo recogí esta mitad del suelo. La otra nunca apareció.
En la parte de arriba, con letra redonda, pone: Hasta la última canción. Abajo, donde debería estar el último verso, solo queda el borde rasgado.
# personaje:gael
—El jueves quiero que cante conmigo. Esta canción. A ti te escucha; ayúdame a convencerla y la partitura es tuya.
* [Aceptar el trato]
    ~ aliado_gael = true
    # relacion:gael:+1
    # personaje:gael
    —Sabía que eras de fiar. Guárdala tú: a mí me quema en el bolsillo.
    Te tiende la media hoja. Pesa mucho más de lo que debería pesar un papel.
    # pista:partitura_rota
    La guardas con cuidado. La tinta azul se ha vuelto casi gris con los años.
    -> lucien_noche
* [«Diana no es un trofeo que se gana»]
    -> rechazo
* [Ofrecerle comprarle la partitura #coste:30]
    Gael se ríe, pero la risa le sale torcida.
    # personaje:gael
    —Todo tiene un precio, ¿eh? Aurora habría odiado esto. Y Diana también. Toma, quédatela: yo no sé qué hacer con ella.
    # pista:partitura_rota
    La media hoja cambia de manos. La tinta azul se ha vuelto casi gris con los años.
    -> lucien_noche

= rechazo
Gael te sostiene la mirada un momento largo. Luego se levanta y se pone la chaqueta.
# personaje:gael
—Tienes razón. Por eso mismo voy a ganar yo: porque lo sé y aun así lo intento.
Se marcha bajo la lluvia sin paraguas. Sobre la mesa, quizá por olvido, quizá no, se ha quedado la media hoja de pentagrama.
* [Guardarte la partitura]
    # pista:partitura_rota
    La doblas por sus pliegues de siempre y la guardas. Por algún motivo, te parece que te estaba esperando.
    -> lucien_noche
* [Dársela a Lucien para que la custodie]
    # relacion:lucien:+1
    # personaje:lucien
    —La pondré a buen recaudo. En esta casa hay más papeles rotos que enteros, y yo los cuido todos.
    -> lucien_noche

= lucien_noche
A las dos, Lucien baja las persianas. La tormenta sigue golpeando los cristales como quien llama a una puerta que no le van a abrir.
# personaje:lucien
—Está arriba, en El Diván. Los días de tormenta se encierra ahí con sus fantasmas. Yo le subo un té y ella no abre.
Te mira de arriba abajo, midiendo algo.
# personaje:lucien
—¿Puedo hacer algo más por usted antes de cerrar?
* [Llevarle tú el té hasta su puerta #vip]
    -> tormenta_vip
* [Dejarle una nota a Diana]
    -> nota
* {tiene("disco_de_vinilo")} [Pedirle que ponga el vinilo sin etiqueta]
    -> vinilo
* [Esperar a que amaine y marcharte]
    # relacion:lucien:+1
    Lucien te presta un paraguas negro con mango de hueso.
    # personaje:lucien
    —Devuélvamelo el jueves. Así tendrá una excusa para volver, por si le hiciera falta.
    -> fin_capitulo

= tormenta_vip
Lucien te cede la bandeja sin una palabra. Es, comprendes, un honor que no concede a cualquiera.
Subes la escalera de caracol. Al fondo del pasillo, una puerta de terciopelo rojo con remaches dorados. Llamas dos veces, suave.
# personaje:diana
—Lucien, ya te he dicho que no…
# personaje:diana
—Ah. No eres Lucien. Lucien no respira tan fuerte.
No abre. Pero oyes cómo se sienta en el suelo, al otro lado, con la espalda contra la puerta. Tú haces lo mismo.
# relacion:diana:+2:romance
# personaje:diana
—Quédate un rato ahí. No digas nada. Solo… quédate.
Os quedáis así, puerta de por medio, hasta que la tormenta se cansa.
-> fin_capitulo

= nota
Lucien te da una pluma estilográfica y una tarjeta de la casa. Piensas un buen rato antes de escribir.
* [«La tormenta también pasa. Te espero»]
    ~ nota_dejada = true
    # relacion:diana:+1:romance
    Lucien lee la tarjeta sin pudor, la dobla y asiente.
    # personaje:lucien
    —Corto y verdadero. Se la subiré con el té. Esta vez, quizá abra.
    -> fin_capitulo
* [«Cuando quieras cantar, aquí estaré»]
    ~ nota_dejada = true
    # relacion:diana:+1:romance
    Lucien lee la tarjeta, y algo se ablanda en su cara de piedra.
    # personaje:lucien
    —Hace años que nadie se atreve a pedírselo. Se la subiré con el té.
    -> fin_capitulo

= vinilo
Lucien duda. Luego saca de debajo de la barra un disco sin etiqueta y lo pone en el viejo tocadiscos.
Suena un piano. Después, una voz muy joven, clara, casi frágil. Canta Hasta la última canción y se interrumpe de golpe, a mitad de la última estrofa.
# relacion:lucien:+1
# personaje:lucien
—Tenía diecisiete años. Es la única grabación que existe. Ella cree que la destruí.
Levanta la aguja con una delicadeza infinita.
# personaje:lucien
—No le diga que la ha oído. O dígaselo cuando ya no pueda enfadarse con usted.
-> fin_capitulo

= fin_capitulo
Cuando sales, la lluvia se ha convertido en un rumor suave. En algún piso de arriba, una luz se apaga.
# puntos:+15
* [Continuar: Capítulo 4 — El Diván] -> capitulo_4
